// The worker process: refreshes dirty hunts as their changes are announced, keeps hunts' times
// (hunt-clock.ts), works the admin and full-rebuild queues, fires the periodic full rebuild, and
// exports its metrics. Computes; never serves players.
import type http from 'node:http';
import { PgBoss, type Job } from 'pg-boss';
import type { Config } from '../core/config.ts';
import { createPool, type Pool } from '../core/db.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { ShutdownStack } from '../core/shutdown-stack.ts';
import { createRegistry, serveMetrics } from '../core/metrics-server.ts';
import { instrumentPool } from '../core/pool-metrics.ts';
import { migrate } from '../core/migrate.ts';
import {
  FULL_REBUILD_KEY, FULL_REBUILD_QUEUE, REFRESH_HUNT_QUEUE, STATS_REFRESH_KEY, STATS_REFRESH_QUEUE, ensureQueues,
  type FullRebuildJob, type RefreshHuntJob, type StatsRefreshJob,
} from '../core/queues.ts';
import { DirtyTrigger } from './dirty-trigger.ts';
import { fullRebuild } from './full-rebuild.ts';
import { HuntClock } from './hunt-clock.ts';
import { HuntsIndexPublisher } from './hunts-index-publisher.ts';
import { PublishedStateCache } from './published-state-cache.ts';
import { startRateWindowPruning } from './rate-window-pruning.ts';
import { RefreshScheduler } from './refresh-scheduler.ts';
import { createStatsMetrics } from './stats-metrics.ts';
import { schedulePeriodicJob } from './periodic-job.ts';
import { workStatsRefresh } from './stats-refresh.ts';
import { createWorkerMetrics } from './worker-metrics.ts';

/** How often a hunts index left stale by incremental refreshes is republished. */
const HUNTS_INDEX_INTERVAL_MS = 1000;
/** How often rate windows that ended are deleted (they last a minute). */
const RATE_WINDOW_PRUNE_INTERVAL_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WorkerHandle {
  pool: Pool;
  boss: PgBoss;
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Serve /metrics on config.workerMetricsPort (off in most tests). */
  metrics?: boolean;
  /** Run the every-second full-rebuild trigger. */
  schedule?: boolean;
  log?: Logger;
}

export async function startWorker(config: Config & { databaseUrl: string }, options: WorkerOptions = {}): Promise<WorkerHandle> {
  const log = options.log ?? createLogger('worker', config.logLevel);
  const resources = new ShutdownStack();
  try {
    return await start(config, options, log, resources);
  } catch (err) {
    await resources.close();
    throw err;
  }
}

async function start(config: Config & { databaseUrl: string }, options: WorkerOptions, log: Logger, resources: ShutdownStack): Promise<WorkerHandle> {
  const pool = createPool(config.databaseUrl, config.dbPoolMax, 'worker');
  resources.add('pool', () => pool.end());
  await migrate(pool);

  // Closed after pg-boss (resources close in reverse): refreshes still finishing may mark it.
  const index = new HuntsIndexPublisher({ pool, intervalMs: HUNTS_INDEX_INTERVAL_MS, log });
  resources.add('hunts index', () => index.stop());
  // Once at start: a worker killed with the index marked stale left it so.
  index.markStale();
  index.start();

  const boss = new PgBoss({
    connectionString: config.databaseUrl,
    max: 4,
    useListenNotify: true,
    superviseIntervalSeconds: config.bossSuperviseIntervalSeconds,
    monitorIntervalSeconds: config.bossSuperviseIntervalSeconds,
    // The full rebuild is scheduled by our own trigger (seconds granularity); pg-boss's cron works
    // in 60-second slots.
    schedule: false,
    application_name: 'worker-pgboss',
  } as ConstructorParameters<typeof PgBoss>[0]);
  boss.on('error', (err) => log.warn('pg-boss error', { err }));
  const registry = createRegistry('worker');
  instrumentPool(pool, registry, config.dbPoolMax);
  const metrics = createWorkerMetrics(registry, pool, boss);
  createStatsMetrics(registry, pool);

  const cache = new PublishedStateCache();
  const scheduler = new RefreshScheduler({
    pool, concurrency: config.refreshConcurrency, minIntervalMs: config.refreshMinIntervalMs, cache, log,
    onRefreshed(outcome, err, ms) {
      metrics.refreshDuration.observe({ queue: REFRESH_HUNT_QUEUE, outcome: err ? 'failure' : 'success' }, ms / 1000);
      if (!outcome) return;
      if (outcome.indexStale) index.markStale();
      metrics.refreshed(REFRESH_HUNT_QUEUE, outcome.documentsChanged);
      log.debug('hunt refreshed', { ...outcome });
    },
  });
  // Closed after pg-boss: an admin's refresh job that is finishing runs through it.
  resources.add('refresh scheduler', () => scheduler.stop());

  // Graceful: running refreshes finish; one still running at the timeout is failed back to
  // pg-boss, which retries it on another worker. Its transaction rolls back, so nothing partial.
  resources.add('pg-boss', () => boss.stop({ graceful: true, timeout: 20000 }));
  await boss.start();
  await ensureQueues(boss, config.refreshExpireSeconds, config.refreshHeartbeatSeconds);

  await boss.work<RefreshHuntJob>(REFRESH_HUNT_QUEUE,
    // NOTIFY wakes the worker for new jobs; the 1-second poll is the backstop for what NOTIFY
    // does not announce (a retry whose back-off just ended). pg-boss's default backstop is 30 s.
    { batchSize: 1, localConcurrency: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
    async ([job]: Job<RefreshHuntJob>[]) => {
      const huntId = job?.data?.huntId;
      if (typeof huntId !== 'string' || !UUID.test(huntId)) return { ignored: 'invalid hunt id' };
      // Through the scheduler: never beside a refresh of the same hunt that a change started here.
      return scheduler.refreshNow(huntId);
    });

  await boss.work<FullRebuildJob>(FULL_REBUILD_QUEUE,
    { batchSize: 1, localConcurrency: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
    async () => {
      const end = metrics.refreshDuration.startTimer({ queue: FULL_REBUILD_QUEUE });
      try {
        const outcome = await fullRebuild(pool, cache);
        end({ outcome: 'success' });
        metrics.refreshed(FULL_REBUILD_QUEUE, outcome.documentsChanged);
        log.info('full rebuild done', { ...outcome });
        return outcome;
      } catch (err) {
        end({ outcome: 'failure' });
        log.warn('full rebuild failed; pg-boss retries it', { err });
        throw err;
      }
    });

  await workStatsRefresh(boss, pool, metrics, log);

  const trigger = new DirtyTrigger({
    connectionString: config.databaseUrl, pool, request: (huntId) => scheduler.request(huntId), sweepIntervalMs: config.dirtySweepIntervalMs, log,
  });
  let metricsServer: http.Server | undefined;
  if (options.metrics) {
    metricsServer = await serveMetrics(registry, config.metricsHost, config.workerMetricsPort, config.metricsToken);
    resources.add('metrics server', () => new Promise<void>((resolve) => {
      metricsServer!.close(() => resolve());
      metricsServer!.closeAllConnections(); // scrapers keep connections alive
    }));
  }
  resources.add('dirty trigger', () => trigger.stop());
  await trigger.start();
  const clock = new HuntClock({ pool, request: (huntId) => scheduler.request(huntId), intervalMs: config.dirtySweepIntervalMs, log });
  resources.add('hunt clock', () => clock.stop());
  await clock.start();
  const pruning = startRateWindowPruning(pool, RATE_WINDOW_PRUNE_INTERVAL_MS, log);
  resources.add('rate window pruning', () => pruning.stop());
  if (options.schedule !== false) {
    const cronTask = schedulePeriodicJob(boss, {
      queue: FULL_REBUILD_QUEUE, singletonKey: FULL_REBUILD_KEY, data: { reason: 'schedule' } satisfies FullRebuildJob,
      intervalSeconds: config.fullRebuildIntervalSeconds, what: 'full rebuild',
    }, log);
    resources.add('full rebuild schedule', async () => { await cronTask.stop(); await cronTask.destroy(); });
    const statsTask = schedulePeriodicJob(boss, {
      queue: STATS_REFRESH_QUEUE, singletonKey: STATS_REFRESH_KEY, data: { reason: 'schedule' } satisfies StatsRefreshJob,
      intervalSeconds: config.statsRefreshSeconds, what: 'stats refresh',
    }, log);
    resources.add('stats refresh schedule', async () => { await statsTask.stop(); await statsTask.destroy(); });
  }
  const address = metricsServer?.address();
  const metricsPort = address && typeof address === 'object' ? address.port : undefined;
  log.info('worker started', { metricsPort, concurrency: config.refreshConcurrency });

  return {
    pool, boss, metricsPort,
    async stop() {
      await resources.close((name, err) => log.warn(`could not close ${name}`, { err }));
      log.info('worker stopped');
    },
  };
}
