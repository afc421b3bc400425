// Every setting of the engine, read from the environment in one place.
// The README's "Environment variables" table mirrors this file; keep them together.

export interface Config {
  /** PostgreSQL connection string; unset means "start an embedded server" (npm start, tests). */
  databaseUrl: string | undefined;
  /** Where npm start keeps the embedded server, the generated answer key and the admin token. */
  dataDir: string;
  host: string;
  port: number;
  /** API processes `npm run api` runs on the one port (node:cluster when more than one). */
  apiProcesses: number;
  workerMetricsPort: number;
  adminToken: string | undefined;
  /** Secret for the keyed hashes of answers (HMAC-SHA-256). */
  answerHashKey: string | undefined;
  dbPoolMax: number;
  /** How many refresh batches one worker process runs at the same time. */
  refreshConcurrency: number;
  /** Least time between the starts of two refreshes of one hunt: a busy hunt is republished this often. */
  refreshMinIntervalMs: number;
  /** Safety-net full rebuild, once per interval across all workers. */
  fullRebuildIntervalSeconds: number;
  /** How often the worker sweeps dirty_hunts for hunts whose trigger was missed. */
  dirtySweepIntervalMs: number;
  /** How often the API re-reads the snapshot table in case a notification was missed. */
  snapshotPollIntervalMs: number;
  /** Players' progress documents an API process holds in memory (the most recently read). */
  progressCacheDocuments: number;
  /** pg-boss supervision and monitoring (expired and heartbeat-less jobs are failed and retried). */
  bossSuperviseIntervalSeconds: number;
  /** A running refresh proves it is alive this often; a worker that stops doing so lost its job. */
  refreshHeartbeatSeconds: number;
  /** Seconds a refresh may stay active before pg-boss retries it elsewhere. */
  refreshExpireSeconds: number;
  /** Wrong guesses per player and clue before the back-off starts. */
  guessFreeWrongPerClue: number;
  /** First back-off after the free wrong guesses; doubles with each further wrong guess. */
  guessBackoffBaseSeconds: number;
  guessBackoffMaxSeconds: number;
  /** New guesses per player per minute across all clues. */
  guessMaxPerMinute: number;
  /** Registrations per client address per minute. */
  registerRateLimit: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy you trust). */
  trustProxy: boolean;
  /** npm start seeds the demo hunts into an empty database. */
  seedDemo: boolean;
  /** Origins allowed to read responses in a browser (CORS); empty: none, "*": any. */
  corsOrigins: string[];
  logLevel: LogLevel;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    databaseUrl: text(env, 'DATABASE_URL'),
    dataDir: text(env, 'DATA_DIR') ?? '.data',
    host: text(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 3000, 0, 65535),
    apiProcesses: int(env, 'API_PROCESSES', 1, 1, 256),
    workerMetricsPort: int(env, 'WORKER_METRICS_PORT', 9464, 0, 65535),
    adminToken: text(env, 'ADMIN_TOKEN'),
    answerHashKey: text(env, 'ANSWER_HASH_KEY'),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1, 1000),
    refreshConcurrency: int(env, 'REFRESH_CONCURRENCY', 4, 1, 64),
    refreshMinIntervalMs: int(env, 'REFRESH_MIN_INTERVAL_MS', 100, 0, 60_000),
    fullRebuildIntervalSeconds: int(env, 'FULL_REBUILD_INTERVAL_SECONDS', 300, 2),
    dirtySweepIntervalMs: int(env, 'DIRTY_SWEEP_INTERVAL_MS', 1000, 50),
    snapshotPollIntervalMs: int(env, 'SNAPSHOT_POLL_INTERVAL_MS', 5000, 50),
    progressCacheDocuments: int(env, 'PROGRESS_CACHE_DOCUMENTS', 20_000, 1, 10_000_000),
    bossSuperviseIntervalSeconds: int(env, 'BOSS_SUPERVISE_INTERVAL_SECONDS', 10, 1),
    refreshHeartbeatSeconds: int(env, 'REFRESH_HEARTBEAT_SECONDS', 10, 10),
    refreshExpireSeconds: int(env, 'REFRESH_EXPIRE_SECONDS', 300, 1),
    guessFreeWrongPerClue: int(env, 'GUESS_FREE_WRONG_PER_CLUE', 5, 0),
    guessBackoffBaseSeconds: int(env, 'GUESS_BACKOFF_BASE_SECONDS', 2, 1),
    guessBackoffMaxSeconds: int(env, 'GUESS_BACKOFF_MAX_SECONDS', 300, 1),
    guessMaxPerMinute: int(env, 'GUESS_MAX_PER_MINUTE', 30, 1),
    registerRateLimit: int(env, 'REGISTER_RATE_LIMIT', 30, 1),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    seedDemo: bool(env, 'SEED_DEMO', true),
    corsOrigins: (text(env, 'CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    logLevel,
  };
}

export function requireSetting<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is required`);
  return value;
}
