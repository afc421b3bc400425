// The whole deployment on one machine, on loopback: nginx in front of API instances on their own
// ports, workers, and PgBouncer between the API instances' pools and PostgreSQL. A supervisor
// restarts an API instance or a worker that dies (an instance on the same port, so nginx finds it
// again); nginx or PgBouncer dying stops the cluster. Configurations, logs and pid files live in a
// temp directory removed at stop.
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../core/embedded-postgres.ts';
import { engineCommand } from '../local-environment.ts';
import { Child, describeExit, logTail, type ExitStatus } from './child.ts';
import { prepareNginx } from './nginx.ts';
import { startPgbouncer } from './pgbouncer.ts';

export interface ClusterOptions {
  /** PostgreSQL itself (DATABASE_URL, or the embedded server of npm start). */
  databaseUrl: string;
  adminToken: string;
  answerHashKey: string;
  /** nginx's port on 127.0.0.1 (0: a free one). */
  port: number;
  apiInstances: number;
  workers?: number;
  /** Added to the engine processes' environment. */
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
  /** A different nginx.conf template (the deployment bench's variants). */
  nginxTemplate?: string;
}

export interface EngineProcess { name: string; port: number; pid: number | undefined }

export interface ClusterHandle {
  /** nginx's. */
  url: string;
  /** Configurations and logs; removed at stop. */
  runDir: string;
  pooler: { url: string; port: number };
  apis(): EngineProcess[];
  workers(): EngineProcess[];
  /** Resolves if the cluster cannot go on (nginx or PgBouncer died), saying why. */
  failed: Promise<string>;
  /** Stops everything in order and removes the run directory; false when something did not stop cleanly. */
  stop(): Promise<boolean>;
}

const START_TIMEOUT_MS = 120_000;

export async function startCluster(options: ClusterOptions): Promise<ClusterHandle> {
  const log = options.log ?? (() => undefined);
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'thunt-cluster-'));
  // nginx's workers run as nobody when it is started as root, and walk into temp/.
  await chmod(runDir, 0o755);
  await mkdir(path.join(runDir, 'logs'));
  let stopping = false;
  let starting = true;
  let fail: (why: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => { fail = resolve; });
  let nginx: Child | undefined;
  let pooler: Child | undefined;
  const apis: Supervised[] = [];
  const workers: Supervised[] = [];
  const all = () => [nginx, ...apis.map((s) => s.child), ...workers.map((s) => s.child), pooler].filter((c): c is Child => c !== undefined);
  // Last resort: the cluster's own process ending without stop() (an uncaught error) takes its processes along.
  const onExit = () => {
    for (const child of all()) child.signal('SIGKILL');
    rmSync(runDir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  // nginx or PgBouncer gone: nothing works without them.
  const vital = (child: Child, status: ExitStatus) => {
    if (!stopping) fail(`${child.spec.name} exited (${describeExit(status)}):${logTail(path.join(runDir, 'logs', child.spec.name === 'nginx' ? 'error.log' : 'pgbouncer.log'))}`);
  };

  const stop = async (): Promise<boolean> => {
    stopping = true;
    for (const s of [...apis, ...workers]) clearTimeout(s.restartTimer);
    // No new requests, the ones in flight finished (the APIs end their event streams), then the
    // workers' refreshes, and PgBouncer last: the APIs' answers go through it until they stop.
    const front = await Promise.all([nginx?.stop(15_000), ...apis.map((s) => s.child.stop(20_000))]);
    const back = await Promise.all(workers.map((s) => s.child.stop(30_000)));
    await pooler?.stop(5000);
    process.off('exit', onExit);
    await rm(runDir, { recursive: true, force: true });
    // nginx's SIGQUIT exit is 0; an engine process that had to be killed, or failed to stop, was not clean.
    return [...front, ...back].every((status) => status === undefined || (status.code === 0 && status.signal === null));
  };

  try {
    const [poolerPort, listenPort, ...apiPorts] = await Promise.all([
      freePort(), claimPort(options.port), ...Array.from({ length: options.apiInstances }, () => freePort()),
    ]);
    const bouncer = await startPgbouncer(runDir, options.databaseUrl, poolerPort!, vital);
    pooler = bouncer.child;
    log(line('PgBouncer', `127.0.0.1:${poolerPort} (transaction pooling) in front of ${describeServer(options.databaseUrl)}`));

    const engineEnv = {
      ...options.env, ADMIN_TOKEN: options.adminToken, ANSWER_HASH_KEY: options.answerHashKey,
      DATABASE_DIRECT_URL: options.databaseUrl,
    };
    const supervise = (name: string, port: number, kind: 'api' | 'worker', env: NodeJS.ProcessEnv): Supervised => {
      const { command, args, env: own } = engineCommand(kind);
      const ready = kind === 'api' ? `http://127.0.0.1:${port}/readyz` : `http://127.0.0.1:${port}/metrics`;
      const supervised: Supervised = {
        port, ready, quickDeaths: 0, startedAt: 0, restartTimer: undefined,
        child: new Child({ name, command, args, env: { ...engineEnv, ...own, ...env }, output: 'inherit', stopSignal: 'SIGTERM' }, (_, status) => {
          if (stopping) return;
          if (starting) return fail(`${name} exited while starting (${describeExit(status)})`);
          // Died soon after starting (the database down, say): restart with back-off, as npm run api does.
          supervised.quickDeaths = Date.now() - supervised.startedAt < 10_000 ? supervised.quickDeaths + 1 : 0;
          const delay = supervised.quickDeaths === 0 ? 0 : Math.min(30_000, 250 * 2 ** (supervised.quickDeaths - 1));
          log(`${name} exited (${describeExit(status)}); restarting it${kind === 'api' ? ` on port ${port}` : ''}${delay ? ` in ${delay} ms` : ''}`);
          supervised.restartTimer = setTimeout(() => {
            if (stopping) return;
            launch(supervised);
            void waitReady(supervised, () => stopping).then(
              () => log(line(name, describe(supervised))),
              (err: Error) => { if (!stopping) log(`${name} did not become ready: ${err.message}`); });
          }, delay);
        }),
      };
      return supervised;
    };
    for (const [i, port] of apiPorts.entries()) {
      apis.push(supervise(`api ${i + 1}`, port!, 'api', {
        DATABASE_URL: bouncer.url, HOST: '127.0.0.1', PORT: String(port), API_PROCESSES: '1',
        // nginx is the one proxy in front: its X-Forwarded-For entry (the right-most) is the client.
        TRUST_PROXY: '1',
      }));
    }
    const workerPorts = await Promise.all(Array.from({ length: options.workers ?? 2 }, () => freePort()));
    for (const [i, port] of workerPorts.entries()) {
      workers.push(supervise(`worker ${i + 1}`, port, 'worker', {
        DATABASE_URL: options.databaseUrl, WORKER_METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1',
      }));
    }
    for (const s of [...workers, ...apis]) launch(s);
    await Promise.race([
      Promise.all([...workers, ...apis].map((s) => waitReady(s, () => stopping))),
      failed.then((why) => { throw new Error(why); }),
    ]);
    for (const s of [...workers, ...apis]) log(line(s.child.spec.name, describe(s)));

    nginx = await prepareNginx(runDir, { listen: { host: '127.0.0.1', port: listenPort! }, apiPorts: apiPorts as number[] }, vital, options.nginxTemplate);
    nginx.start();
    const url = `http://127.0.0.1:${listenPort}`;
    await Promise.race([waitFor(`${url}/healthz`, () => !nginx!.running), failed.then((why) => { throw new Error(why); })]);
    starting = false;
    return {
      url, runDir, pooler: { url: bouncer.url, port: poolerPort! }, failed, stop,
      apis: () => apis.map((s) => ({ name: s.child.spec.name, port: s.port, pid: s.child.pid })),
      workers: () => workers.map((s) => ({ name: s.child.spec.name, port: s.port, pid: s.child.pid })),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Supervised {
  child: Child;
  port: number;
  /** Answers 200 once the process serves. */
  ready: string;
  quickDeaths: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

function launch(s: Supervised): void {
  s.startedAt = Date.now();
  s.child.start();
}

/** An API's URL, a worker's metrics, with the pid (the process to look at, or to kill in a drill). */
function describe(s: Supervised): string {
  return `${s.ready.endsWith('/metrics') ? `metrics ${s.ready}` : `http://127.0.0.1:${s.port}`} (pid ${s.child.pid})`;
}

/** "label:" padded, so the lines the cluster prints line up. */
export function line(label: string, text: string): string {
  return `${`${label}:`.padEnd(16)}${text}`;
}

function waitReady(s: Supervised, abandoned: () => boolean): Promise<void> {
  return waitFor(s.ready, () => abandoned() || !s.child.running);
}

/** Polls `url` until it answers 200; gives up when `gone()` says the process is not coming. */
async function waitFor(url: string, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (gone()) throw new Error(`${url}: the process exited`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => { void r.body?.cancel(); return r.status === 200; }, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url}: not ready within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `port` on 127.0.0.1 if it is free (0: a free one); taken, a clear error rather than nginx's bind failure. */
async function claimPort(port: number): Promise<number> {
  if (port === 0) return freePort();
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'EADDRINUSE'
      ? `port ${port} on 127.0.0.1 is taken (PORT): stop what listens there, or choose another port` : `port ${port}: ${err.message}`)));
    probe.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** host:port/database of a URL, never its password. */
export function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the database';
  }
}
