// The API process: loads snapshots into memory, then serves them over node:http, with express
// behind for everything that is not a read held in memory (snapshots and players' own views).
import cluster from 'node:cluster';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { PgBoss } from 'pg-boss';
import { createAnswerHasher } from '../core/answer-hash.ts';
import { checkAnswerKey } from '../core/answer-key-check.ts';
import type { Config } from '../core/config.ts';
import { createPool, withPool, type Pool } from '../core/db.ts';
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
import { EventStreams } from './event-streams.ts';
import { LookupBudget } from './lookup-budget.ts';
import { matchOwnViewRoute, OWN_VIEW_ROUTE, serveOwnView } from './own-view-route.ts';
import { OwnViews } from './own-view.ts';
import { Assets } from './pages/assets.ts';
import { matchPageRoute, Pages } from './pages/page-routes.ts';
import { PlayerDirectory } from './player-directory.ts';
import { applyResponseHeaders } from './response-headers.ts';
import { matchSnapshotRoute, serveSnapshot } from './snapshot-routes.ts';
import { SnapshotStore } from './snapshot-store.ts';

export interface ApiHandle {
  /** The listening sockets, all on `port`. */
  servers: http.Server[];
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

// Listening sockets of one API process, all on its port (SO_REUSEPORT; the kernel spreads new
// connections over them). libuv accepts one connection per socket per event-loop iteration
// (libuv#3696), and under load an iteration lasts milliseconds: a burst of hundreds of new
// connections waited in the accept queue for seconds, past clients' timeouts. Sixteen sockets accept
// sixteen per iteration (in an A/B of 1,000 connections opened at once on a saturated process, 85
// requests timed out against 690 with four). Cluster workers get their connections from the
// primary, which only accepts.
const LISTENING_SOCKETS = process.platform === 'linux' && !cluster.isWorker ? 16 : 1;

// Players' own views kept serialized (a few KB each): the players reading theirs right now. One
// not kept is assembled again from held documents, in memory.
const OWN_VIEWS_KEPT = 5_000;

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
  // DATABASE_URL may be a transaction pooler: unnamed statements through it; what needs a session
  // (the migrations' lock, pg-boss, the LISTEN connections) on the direct URL.
  const directUrl = config.databaseDirectUrl ?? config.databaseUrl;
  const pooled = directUrl !== config.databaseUrl;
  const pool = createPool(config.databaseUrl, config.dbPoolMax, 'api', { namedStatements: !pooled });
  resources.add('pool', () => pool.end());
  await (pooled ? withPool(directUrl, 'api-migrate', migrate) : migrate(pool));
  const hasher = createAnswerHasher(config.answerHashKey);
  await checkAnswerKey(pool, hasher.keyId);

  // The API only sends jobs and reads their state: no supervision, no schedules.
  const boss = new PgBoss({ connectionString: directUrl, max: 2, supervise: false, schedule: false });
  boss.on('error', (err) => log.warn('pg-boss error', { err }));
  resources.add('pg-boss', () => boss.stop({ graceful: true, timeout: 5000 }));
  await boss.start();
  await ensureQueues(boss, config.refreshExpireSeconds, config.refreshHeartbeatSeconds);

  const registry = createRegistry('api');
  instrumentPool(pool, registry, config.dbPoolMax);
  const streams = new EventStreams();
  const store = new SnapshotStore({
    pool, connectionString: directUrl, pollIntervalMs: config.snapshotPollIntervalMs, log,
    progressCacheDocuments: config.progressCacheDocuments,
    events: {
      onNotice: (notice) => metrics.observeNotice(notice),
      // End-to-end staleness: from each accepted answer's commit to its first document in memory here.
      onPublishInstalled: (notice) => {
        const now = Date.now();
        for (const [at, count] of notice.answers ?? []) metrics.observeStaleness((now - at) / 1000, count);
      },
      onInstalled: (updates) => streams.publish(updates),
    },
  });
  const metrics = createApiMetrics(registry, store, () => store.loaded, () => streams.open);
  const players = new PlayerDirectory(pool, new LookupBudget(config.unverifiedLookupsPerSecond), log);
  resources.add('player directory', () => players.stop());
  await players.start();
  const answers = new AnswerWriter({
    pool, hasher, log, onBatch: (size) => metrics.answerBatch(size),
    deadlines: { timeoutMs: config.answerTimeoutMs, queueMax: config.answerQueueMax },
    limits: {
      freeWrongPerClue: config.guessFreeWrongPerClue, backoffBaseSeconds: config.guessBackoffBaseSeconds,
      backoffMaxSeconds: config.guessBackoffMaxSeconds, maxPerMinute: config.guessMaxPerMinute,
    },
  });
  const app = createApp({
    pool, boss, store, players, hasher, answers, adminToken: config.adminToken, metricsToken: config.metricsToken, registry, metrics, log,
    registerRateLimit: config.registerRateLimit,
    claimRateLimit: config.claimRateLimit,
    trustProxy: config.trustProxy,
  });
  resources.add('snapshot store', () => store.stop());
  await store.start();

  const snapshots = { store, players, onLookup: metrics.snapshotLookup, streams };
  const ownViews = { store, players, views: new OwnViews(store, OWN_VIEWS_KEPT) };
  const pages = new Pages(store, new Assets());
  // A request answered later (a progress read that asks the database, anything express serves)
  // is counted in flight until its response closes, finished or aborted by the client.
  const track = (req: http.IncomingMessage, res: http.ServerResponse, route: string | undefined, started: number) => {
    metrics.requestStarted();
    res.once('close', () => metrics.requestFinished(req.method ?? 'GET', route ?? routeOf(req), res.statusCode, (performance.now() - started) / 1000, true));
  };
  // Never let a bug in a snapshot route escape the request handler: that would take the process down.
  const failed = (res: http.ServerResponse, err: unknown) => {
    log.error('snapshot route failed', { err });
    if (!res.headersSent) sendError(res, new ApiError(500, 'internal', 'internal error'));
    else res.destroy();
  };
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = performance.now();
    if (applyResponseHeaders(req, res, config.corsOrigins)) return;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const read = req.method === 'GET' || req.method === 'HEAD';
    const match = read ? matchSnapshotRoute(path) : undefined;
    const ownSlug = read && !match ? matchOwnViewRoute(path) : undefined;
    const pageMatch = read && !match && ownSlug === undefined ? matchPageRoute(path) : undefined;
    if (pageMatch) {
      try {
        pages.serve(req, res, pageMatch);
      } catch (err) {
        failed(res, err);
      }
      metrics.requestFinished(req.method ?? 'GET', pageMatch.route, res.statusCode, (performance.now() - started) / 1000, false);
      return;
    }
    if (!match && ownSlug === undefined) {
      track(req, res, undefined, started);
      app(req, res);
      return;
    }
    const route = match ? match.route : OWN_VIEW_ROUTE;
    let pending: Promise<void> | void = undefined;
    try {
      pending = match
        ? serveSnapshot(snapshots, req, res, match, q === -1 ? '' : url.slice(q + 1))
        : serveOwnView(ownViews, req, res, ownSlug!);
    } catch (err) {
      failed(res, err);
    }
    // An event stream's socket handed off (event-streams.ts) has no response left to close.
    if (pending === undefined && (res.writableEnded || (res.headersSent && res.socket === null))) {
      // Answered within this call, as every read held in memory is: counted now, which spares the
      // hot path a 'close' listener per request.
      metrics.requestFinished(req.method ?? 'GET', route, res.statusCode, (performance.now() - started) / 1000, false);
      return;
    }
    track(req, res, route, started);
    pending?.catch((err: unknown) => failed(res, err));
  };
  // Slow clients: headers must arrive within HEADERS_TIMEOUT_MS and the whole request within
  // REQUEST_TIMEOUT_MS (Node answers 408 and closes; a connection that sends nothing is cut at the
  // headers deadline too). Node checks them every connectionsCheckingInterval (30 s by default,
  // which would let a stalled client stay up to 30 s past its deadline).
  const serverOptions: http.ServerOptions = {
    headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.headersTimeoutMs / 2))),
  };
  const servers = Array.from({ length: LISTENING_SOCKETS }, () => http.createServer(serverOptions, handle));
  // Open connections are capped per process, over all the listening sockets (server.maxConnections
  // would cap each of the sixteen separately): one past the cap is closed as it arrives, before it
  // can send a byte, so a flood of connections is refused rather than held in memory.
  let connections = 0;
  const admit = (socket: net.Socket) => {
    if (connections >= config.maxConnections) {
      metrics.connectionRefused();
      socket.destroy();
      return;
    }
    connections++;
    socket.once('close', () => { connections--; });
  };
  for (const server of servers) server.prependListener('connection', admit);
  // The port is claimed by a plain socket first: taken by anything (another API process started
  // twice included), it fails here with EADDRINUSE rather than sharing the port; 0 picks a free one.
  const port = servers.length > 1 ? await claimPort(config.port, config.host) : config.port;
  resources.add('http server', async () => {
    // Stop accepting (a socket that never listened closes at once), let in-flight requests
    // finish, close idle keep-alive sockets; a request still running after 10 s is cut.
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    // Event streams never finish by themselves: ended now (browsers reconnect elsewhere and resume).
    streams.close();
    // A keep-alive socket turns idle when its last response is sent: close those as they appear.
    const closeIdle = () => { for (const server of servers) server.closeIdleConnections(); };
    const idle = setInterval(closeIdle, 50);
    closeIdle();
    const forced = setTimeout(() => { for (const server of servers) server.closeAllConnections(); }, 10_000);
    await closed;
    clearInterval(idle);
    clearTimeout(forced);
  });
  for (const server of servers) {
    // An idle keep-alive connection is closed after this (longer than the 60 s idle timeout of the
    // usual load balancers, so they never send a request on a socket the API is closing).
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: config.host, reusePort: servers.length > 1 }, () => resolve());
    });
  }
  const bound = (servers[0]!.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${bound}`;
  log.info('api listening', { url, documents: store.documents.size });

  return {
    servers, port: bound, url, pool, store,
    async stop() {
      await resources.close((name, err) => log.warn(`could not close ${name}`, { err }));
      log.info('api stopped');
    },
  };
}

/** Binds `port` (0: a free one) with a plain socket and releases it: the port, free right now. */
async function claimPort(port: number, host: string): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host }, () => resolve());
  });
  const claimed = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return claimed;
}

/**
 * Route label for requests express handled: the template of the route it matched (its router's
 * mount path, then its own), never the raw path, so the label set stays bounded.
 */
function routeOf(req: http.IncomingMessage): string {
  const matched = req as http.IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof matched.route?.path === 'string' ? `${matched.baseUrl ?? ''}${matched.route.path}` : 'unmatched';
}
