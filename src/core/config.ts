// Every setting of the engine, read from the environment in one place.
// The README's "Environment variables" table mirrors this file; keep them together.
import net from 'node:net';

export interface Config {
  /** PostgreSQL connection string; unset means "start an embedded server" (npm start, tests). */
  databaseUrl: string | undefined;
  /**
   * PostgreSQL itself, for what needs a session (LISTEN, session advisory locks, pg-boss,
   * migrations, the worker): DATABASE_URL when unset. Set apart from it, DATABASE_URL is taken to
   * be a transaction pooler (PgBouncer), whose pools send unnamed statements only.
   */
  databaseDirectUrl: string | undefined;
  /** Where npm start keeps the embedded server, the generated answer key and the admin token. */
  dataDir: string;
  host: string;
  port: number;
  /** API processes `npm run api` runs on the one port (node:cluster when more than one). */
  apiProcesses: number;
  /** API instances `npm run cluster` runs behind nginx, each on its own port. */
  apiInstances: number;
  workerMetricsPort: number;
  /** Address the worker's /metrics listens on (loopback unless said otherwise: metrics are not public). */
  metricsHost: string;
  /** Bearer token /metrics requires (API and worker); unset: open. */
  metricsToken: string | undefined;
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
  /** Organiser analytics (materialized views, stats documents) refreshed once per interval across all workers. */
  statsRefreshSeconds: number;
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
  /** An answer not recorded within this gets 503 (and is rolled back, never written later). */
  answerTimeoutMs: number;
  /** Answers waiting to be written, per API process; past it, 503 at once. */
  answerQueueMax: number;
  /** Database lookups per second an API process spends on tokens and player ids it cannot vouch for from memory. */
  unverifiedLookupsPerSecond: number;
  /** Registrations per client address per minute. */
  registerRateLimit: number;
  /** Transfer-code claims per client address per minute (codes are guessable one try at a time). */
  claimRateLimit: number;
  /**
   * Whose X-Forwarded-For entries to believe: no one's, the nearest `hops` proxies' (the client is
   * the entry the farthest of them appended), or those of the proxies at `addresses` (IPs, CIDRs).
   */
  trustProxy: TrustProxy;
  /** Request headers must arrive within this (a slow client holds a socket and a parser). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** Open connections per API process, over all its listening sockets; more are closed at once. */
  maxConnections: number;
  /** npm start seeds the demo hunts into an empty database. */
  seedDemo: boolean;
  /** Origins allowed to read responses in a browser (CORS); empty: none, "*": any. */
  corsOrigins: string[];
  logLevel: LogLevel;
}

export type TrustProxy = false | { hops: number } | { addresses: string[] };

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

// What `Authorization: Bearer <token>` can carry (the token68 set, bearerToken in tokens.ts): a
// token outside it could never be presented, every request with it would be refused.
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
const MIN_TOKEN_LENGTH = 24;
const MAX_TOKEN_LENGTH = 512; // bearerToken reads no more

/** A secret presented as a bearer token: long enough not to be guessed, and presentable at all. */
function bearerSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const make = 'set a random one, e.g. `openssl rand -hex 32`';
  if (raw.length < MIN_TOKEN_LENGTH || raw.length > MAX_TOKEN_LENGTH) {
    throw new ConfigError(`${name} must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters long, it has ${raw.length}: ${make}`);
  }
  if (!BEARER_TOKEN.test(raw)) {
    throw new ConfigError(`${name} may only contain A-Z, a-z, 0-9, "-", ".", "_", "~", "+", "/" and trailing "=" `
      + `(what a bearer token can carry; check for spaces, quotes or a newline): ${make}`);
  }
  return raw;
}

const TRUST_PROXY_FORMS = 'false (no proxy), the number of proxies in front of the API (e.g. 1: the client is the '
  + 'right-most X-Forwarded-For entry), or a comma-separated list of proxy addresses and CIDRs (e.g. 10.0.0.0/8,::1,127.0.0.1)';
// Named ranges express's 'trust proxy' (proxy-addr) knows.
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

// `true` would believe every X-Forwarded-For entry, and the left-most one is whatever the client
// wrote: anyone could pick their address, and with it a fresh registration budget.
function trustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || ['false', '0', 'no'].includes(value)) return false;
  if (value === 'true' || value === 'yes') {
    throw new ConfigError(`TRUST_PROXY=${raw} would let any client choose its address (it writes the left-most `
      + `X-Forwarded-For entry itself); set ${TRUST_PROXY_FORMS}`);
  }
  if (/^\d+$/.test(value)) return { hops: int({ TRUST_PROXY: value }, 'TRUST_PROXY', 0, 1, 100) };
  const addresses = value.split(',').map((a) => a.trim()).filter(Boolean);
  // Express reads the list (proxy-addr); checked here too, so a typo fails at start with its name.
  for (const entry of addresses) {
    if (NAMED_RANGES.includes(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = net.isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(/^\d+$/.test(prefix) && +prefix >= 1 && +prefix <= bits))) {
      throw new ConfigError(`TRUST_PROXY: "${entry}" is not an IP address or CIDR; set ${TRUST_PROXY_FORMS}`);
    }
  }
  if (addresses.length === 0) throw new ConfigError(`TRUST_PROXY must be ${TRUST_PROXY_FORMS}, got "${raw}"`);
  return { addresses };
}

function timeouts(env: NodeJS.ProcessEnv): { headersTimeoutMs: number; requestTimeoutMs: number } {
  const headersTimeoutMs = int(env, 'HEADERS_TIMEOUT_MS', 10_000, 1);
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 30_000, 1);
  // node:http refuses a deadline for the headers past the one for the whole request.
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = text(env, 'DATABASE_URL');
  const databaseDirectUrl = text(env, 'DATABASE_DIRECT_URL');
  // A pooler with nothing behind it: npm start would start its embedded server and ignore both.
  if (databaseDirectUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_DIRECT_URL is set without DATABASE_URL: set DATABASE_URL (the pooler, or the same server) too');
  }
  return {
    databaseUrl,
    databaseDirectUrl: databaseDirectUrl ?? databaseUrl,
    dataDir: text(env, 'DATA_DIR') ?? '.data',
    host: text(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 3000, 0, 65535),
    apiProcesses: int(env, 'API_PROCESSES', 1, 1, 256),
    apiInstances: int(env, 'API_INSTANCES', 2, 1, 64),
    workerMetricsPort: int(env, 'WORKER_METRICS_PORT', 9464, 0, 65535),
    metricsHost: text(env, 'METRICS_HOST') ?? '127.0.0.1',
    metricsToken: bearerSecret(env, 'METRICS_TOKEN'),
    adminToken: bearerSecret(env, 'ADMIN_TOKEN'),
    answerHashKey: text(env, 'ANSWER_HASH_KEY'),
    dbPoolMax: int(env, 'DB_POOL_MAX', 10, 1, 1000),
    refreshConcurrency: int(env, 'REFRESH_CONCURRENCY', 4, 1, 64),
    refreshMinIntervalMs: int(env, 'REFRESH_MIN_INTERVAL_MS', 100, 0, 60_000),
    fullRebuildIntervalSeconds: int(env, 'FULL_REBUILD_INTERVAL_SECONDS', 300, 2),
    statsRefreshSeconds: int(env, 'STATS_REFRESH_SECONDS', 60, 1),
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
    answerTimeoutMs: int(env, 'ANSWER_TIMEOUT_MS', 5000, 100, 600_000),
    answerQueueMax: int(env, 'ANSWER_QUEUE_MAX', 4096, 1, 1_000_000),
    unverifiedLookupsPerSecond: int(env, 'UNVERIFIED_LOOKUPS_PER_SECOND', 20, 1, 100_000),
    registerRateLimit: int(env, 'REGISTER_RATE_LIMIT', 30, 1),
    claimRateLimit: int(env, 'CLAIM_RATE_LIMIT', 10, 1),
    trustProxy: trustProxy(text(env, 'TRUST_PROXY')),
    ...timeouts(env),
    maxConnections: int(env, 'MAX_CONNECTIONS', 16_384, 1),
    seedDemo: bool(env, 'SEED_DEMO', true),
    corsOrigins: (text(env, 'CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    logLevel,
  };
}

export function requireSetting<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError(`${name} is required`);
  return value;
}
