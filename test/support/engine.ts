// Starts the engine in-process against a test database: an API on a free port and a worker, both
// with short intervals so tests settle quickly. Tests poll with generous deadlines, never sleep.
import { loadConfig, type Config } from '../../src/core/config.ts';
import { startApi, type ApiHandle } from '../../src/api/server.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/worker.ts';
import { createLogger } from '../../src/core/logger.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const ANSWER_HASH_KEY = 'test-answer-hash-key-0123456789abcdef';

export function testConfig(databaseUrl: string, overrides: Partial<Config> = {}): Config & { databaseUrl: string } {
  return {
    ...loadConfig({}),
    databaseUrl,
    host: '127.0.0.1',
    port: 0,
    workerMetricsPort: 0,
    adminToken: ADMIN_TOKEN,
    answerHashKey: ANSWER_HASH_KEY,
    dbPoolMax: 10,
    fullRebuildIntervalSeconds: 3600,
    dirtySweepIntervalMs: 200,
    snapshotPollIntervalMs: 500,
    bossSuperviseIntervalSeconds: 2,
    // Tests register many players and guess a lot from one address; abuse-limits.test.ts sets its own.
    registerRateLimit: 1_000_000,
    claimRateLimit: 1_000_000,
    guessMaxPerMinute: 1_000_000,
    guessFreeWrongPerClue: 1_000_000,
    // Tests read many players' progress and answer through several processes; abuse tests set their own.
    unverifiedLookupsPerSecond: 100_000,
    logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel']) ?? 'error',
    ...overrides,
  };
}

export interface Engine {
  api: ApiHandle;
  worker: WorkerHandle | undefined;
  url: string;
  stop(): Promise<void>;
}

export async function startEngine(databaseUrl: string, opts: { worker?: boolean; schedule?: boolean; workerMetrics?: boolean; config?: Partial<Config> } = {}): Promise<Engine> {
  const config = testConfig(databaseUrl, opts.config);
  const worker = opts.worker === false ? undefined
    : await startWorker(config, { schedule: opts.schedule ?? false, metrics: opts.workerMetrics ?? false, log: createLogger('worker', config.logLevel) });
  const api = await startApi({ ...config, adminToken: ADMIN_TOKEN, answerHashKey: ANSWER_HASH_KEY }, { log: createLogger('api', config.logLevel) });
  return {
    api, worker, url: api.url,
    async stop() {
      await api.stop();
      await worker?.stop();
    },
  };
}

/** Polls fn until it returns something other than undefined, or fails after the deadline. */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
