// The API process: loads snapshots into memory, then serves them over node:http, with express
// behind for everything that is not a snapshot read.
import http from 'node:http';
import { PgBoss } from 'pg-boss';
import { createAnswerHasher } from '../core/answer-hash.ts';
import type { Config } from '../core/config.ts';
import { createPool, type Pool } from '../core/db.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { ShutdownStack } from '../core/shutdown-stack.ts';
import { createRegistry } from '../core/metrics-server.ts';
import { instrumentPool } from '../core/pool-metrics.ts';
import { migrate } from '../core/migrate.ts';
import { ensureQueues } from '../core/queues.ts';
import { ApiError, sendError } from './api-error.ts';
import { AnswerWriter } from './answer-submission.ts';
import { createApiMetrics } from './api-metrics.ts';
import { createApp } from './app.ts';
import { PlayerDirectory } from './player-directory.ts';
import { applyResponseHeaders } from './response-headers.ts';
import { matchSnapshotRoute, serveSnapshot } from './snapshot-routes.ts';
import { SnapshotStore } from './snapshot-store.ts';

export interface ApiHandle {
  server: http.Server;
  port: number;
  url: string;
  pool: Pool;
  store: SnapshotStore;
  stop(): Promise<void>;
}

export interface ApiSettings extends Config {
  databaseUrl: string;
  adminToken: string;
  answerHashKey: string;
}

export async function startApi(config: ApiSettings, options: { log?: Logger } = {}): Promise<ApiHandle> {
  const log = options.log ?? createLogger('api', config.logLevel);
  const resources = new ShutdownStack();
  try {
    return await start(config, log, resources);
  } catch (err) {
    await resources.close();
    throw err;
  }
}

async function start(config: ApiSettings, log: Logger, resources: ShutdownStack): Promise<ApiHandle> {
  const pool = createPool(config.databaseUrl, config.dbPoolMax, 'api');
  resources.add('pool', () => pool.end());
  await migrate(pool);

  // The API only sends jobs and reads their state: no supervision, no schedules.
  const boss = new PgBoss({ connectionString: config.databaseUrl, max: 2, supervise: false, schedule: false });
  boss.on('error', (err) => log.warn('pg-boss error', { err }));
  resources.add('pg-boss', () => boss.stop({ graceful: true, timeout: 5000 }));
  await boss.start();
  await ensureQueues(boss, config.refreshExpireSeconds, config.refreshHeartbeatSeconds);

  const registry = createRegistry('api');
  instrumentPool(pool, registry, config.dbPoolMax);
  const store = new SnapshotStore({
    pool, connectionString: config.databaseUrl, pollIntervalMs: config.snapshotPollIntervalMs, log,
    progressCacheDocuments: config.progressCacheDocuments,
    events: {
      onNotice: (notice) => metrics.observeNotice(notice),
      // End-to-end staleness: from each accepted answer's commit to its first document in memory here.
      onPublishInstalled: (notice) => {
        const now = Date.now();
        for (const [at, count] of notice.answers ?? []) metrics.observeStaleness((now - at) / 1000, count);
      },
    },
  });
  const metrics = createApiMetrics(registry, store, () => store.loaded);
  const players = new PlayerDirectory(pool);
  const hasher = createAnswerHasher(config.answerHashKey);
  const answers = new AnswerWriter({
    pool, hasher, log, onBatch: (size) => metrics.answerBatch(size),
    limits: {
      freeWrongPerClue: config.guessFreeWrongPerClue, backoffBaseSeconds: config.guessBackoffBaseSeconds,
      backoffMaxSeconds: config.guessBackoffMaxSeconds, maxPerMinute: config.guessMaxPerMinute,
    },
  });
  const app = createApp({
    pool, boss, store, players, hasher, answers, adminToken: config.adminToken, registry, metrics, log,
    registerRateLimit: config.registerRateLimit,
    trustProxy: config.trustProxy,
  });
  resources.add('snapshot store', () => store.stop());
  await store.start();

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    if (applyResponseHeaders(req, res, config.corsOrigins)) return;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const match = req.method === 'GET' || req.method === 'HEAD' ? matchSnapshotRoute(path) : undefined;
    metrics.requestStarted();
    // 'close' fires once per response, finished or aborted by the client.
    res.once('close', () => {
      metrics.requestFinished({ method: req.method ?? 'GET', route: match?.route ?? routeOf(req), status: res.statusCode },
        Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (match) {
      // Never let a bug here escape the request handler: that would take the process down.
      const failed = (err: unknown) => {
        log.error('snapshot route failed', { err });
        if (!res.headersSent) sendError(res, new ApiError(500, 'internal', 'internal error'));
        else res.destroy();
      };
      try {
        serveSnapshot({ store, players, onLookup: metrics.snapshotLookup }, req, res, match, q === -1 ? '' : url.slice(q + 1))
          ?.catch(failed);
      } catch (err) {
        failed(err);
      }
      return;
    }
    app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  resources.add('http server', async () => {
    // Stop accepting, let in-flight requests finish, close idle keep-alive sockets; a request
    // still running after 10 s is cut.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive socket turns idle when its last response is sent: close those as they appear.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    server.closeIdleConnections();
    const forced = setTimeout(() => server.closeAllConnections(), 10_000);
    await closed;
    clearInterval(idle);
    clearTimeout(forced);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  log.info('api listening', { url, documents: store.documents.size });

  return {
    server, port, url, pool, store,
    async stop() {
      await resources.close((name, err) => log.warn(`could not close ${name}`, { err }));
      log.info('api stopped');
    },
  };
}

/** Route label for requests express handled: a template, never the raw path (bounded cardinality). */
function routeOf(req: http.IncomingMessage): string {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/v1/players') return path;
  if (/^\/v1\/hunts\/[^/]+\/clues\/[^/]+\/answers$/.test(path)) return '/v1/hunts/:slug/clues/:clueId/answers';
  if (path === '/v1/admin/hunts') return path;
  if (/^\/v1\/admin\/hunts\/[^/]+$/.test(path)) return '/v1/admin/hunts/:slug';
  if (path === '/v1/admin/refresh') return path;
  if (/^\/v1\/admin\/jobs\/[^/]+$/.test(path)) return '/v1/admin/jobs/:id';
  return 'unmatched';
}
