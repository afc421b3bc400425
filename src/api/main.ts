// `npm run api`: API processes against DATABASE_URL, sharing nothing but the database. With
// API_PROCESSES > 1 this process becomes a supervisor: it forks that many API processes with
// node:cluster on the one port (the primary accepts and hands connections out round-robin),
// restarts one that dies, and on SIGTERM/SIGINT stops them all gracefully before exiting.
import cluster, { type Worker } from 'node:cluster';
import { flushCompileCache } from 'node:module';
import { loadConfig, requireSetting } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { stopOnSignals } from '../core/stop-on-signals.ts';
import { startApi } from './server.ts';

// Every module is loaded by now: write the compile cache (if NODE_COMPILE_CACHE is set, see
// node-flags.ts) now instead of at exit, so the processes forked below and a restart after a crash
// start without the TypeScript stripper.
flushCompileCache();

const config = loadConfig();
const log = createLogger('api', config.logLevel);
// Checked here too, so a missing setting fails the supervisor at once instead of a restart loop.
const settings = {
  ...config,
  databaseUrl: requireSetting(config.databaseUrl, 'DATABASE_URL'),
  adminToken: requireSetting(config.adminToken, 'ADMIN_TOKEN'),
  answerHashKey: requireSetting(config.answerHashKey, 'ANSWER_HASH_KEY'),
};

if (config.apiProcesses > 1 && cluster.isPrimary) {
  supervise(config.apiProcesses, log);
} else {
  // Signals are handled from the start: a stop that arrives while starting (a supervisor shutting
  // down just after a restart) waits for the start, then stops cleanly.
  const api = startApi(settings, { log });
  stopOnSignals(async () => (await api).stop(), log);
  // The supervisor is gone (killed without a chance to stop us): do not live on as an orphan.
  if (cluster.isWorker) process.once('disconnect', () => void api.then((a) => a.stop()).finally(() => process.exit(0)));
  await api;
}

function supervise(processes: number, log: Logger): void {
  // After this long a stop gives up waiting: workers cut their own requests at 10 s.
  const STOP_BOUND_MS = 30_000;
  let stopping = false;
  let failed = false;
  // Workers that died soon after starting (e.g. database down at start-up): restart with back-off.
  let quickDeaths = 0;
  const startedAt = new Map<Worker, number>();
  const listening = new WeakSet<Worker>();
  const fork = () => startedAt.set(cluster.fork(), Date.now());
  cluster.on('listening', (worker) => listening.add(worker));

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      // One still starting may die of the signal before its handlers exist: it served nothing.
      if (code !== 0 && listening.has(worker)) failed = true;
      if (startedAt.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    quickDeaths = lived < 10_000 ? quickDeaths + 1 : 0;
    const delay = quickDeaths === 0 ? 0 : Math.min(30_000, 250 * 2 ** (quickDeaths - 1));
    log.warn('api process died, restarting it', { pid: worker.process.pid, code, signal, delayMs: delay });
    setTimeout(() => { if (!stopping) fork(); }, delay);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal, processes: startedAt.size });
      if (startedAt.size === 0) process.exit(0);
      // Each worker stops itself on SIGTERM (stopOnSignals), finishing in-flight requests.
      for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
      setTimeout(() => {
        log.error('api processes did not stop in time, killing them', { left: startedAt.size });
        for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
        process.exit(1);
      }, STOP_BOUND_MS).unref();
    });
  }

  log.info('starting api processes', { processes, port: config.port });
  for (let i = 0; i < processes; i++) fork();
}
