// `npm start` on a machine with nothing but Node: embedded PostgreSQL under DATA_DIR, demo data,
// API and worker as child processes; it survives a crash that orphaned its database server and
// shuts down cleanly on SIGTERM.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, chmod, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { freePort } from '../src/core/embedded-postgres.ts';
import { Client } from './support/client.ts';
import { eventually } from './support/engine.ts';

const START = fileURLToPath(new URL('../src/cli/start.ts', import.meta.url));

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(dataDir: string, port: number, metricsPort: number): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), WORKER_METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.ADMIN_TOKEN;
  delete env.ANSWER_HASH_KEY;
  const child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter(Boolean);
  } catch { return []; }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('npm start', function () {
  this.timeout(120_000);
  let dataDir: string;
  const cleanup: (() => Promise<void> | void)[] = [];

  before(async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'hunt-start-'));
    await chmod(parent, 0o755);
    dataDir = path.join(parent, 'data');
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
  });

  after(async () => { for (const fn of cleanup.reverse()) await fn(); });

  it('serves the demo on an embedded database, survives a crash that orphaned PostgreSQL, and stops cleanly', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const client = new Client(`http://127.0.0.1:${port}`);

    const first = start(dataDir, port, metricsPort);
    cleanup.push(() => { if (alive(first.child.pid!)) first.child.kill('SIGKILL'); });
    await eventually(async () => ((await client.get('/readyz')).status === 200 ? true : undefined), 'first start ready', 60_000);
    expect(first.output()).to.match(/admin token: +\S{20,}/);
    expect(first.output()).to.include(`http://127.0.0.1:${port}`);
    const index = await eventually(async () => {
      const res = await client.get('/v1/hunts');
      return res.body?.hunts?.length === 3 && res.body.hunts.every((h: { playerCount: number }) => h.playerCount > 0) ? res.body : undefined;
    }, 'demo hunts published', 30_000);
    const board = await client.get(`/v1/hunts/${index.hunts[0].slug}/leaderboard`);
    expect(board.body.total).to.be.greaterThan(0);
    const registered = await client.post('/v1/players', { handle: 'survivor' });
    expect(registered.status).to.equal(201);
    const adminToken = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    expect(first.output()).to.include(adminToken);
    expect((await new Client(`http://127.0.0.1:${metricsPort}`).get('/metrics')).text).to.include('treasure_refresh_duration_seconds');

    // Crash: SIGKILL the engine's node processes, leaving its PostgreSQL running and orphaned.
    const postmasterPid = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const nodeChildren = childPids(first.child.pid!).filter((pid) => pid !== postmasterPid);
    first.child.kill('SIGKILL');
    for (const pid of nodeChildren) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    await first.exited;
    expect(alive(postmasterPid), 'orphaned postmaster still running').to.equal(true);

    const second = start(dataDir, port, metricsPort);
    cleanup.push(() => { if (alive(second.child.pid!)) second.child.kill('SIGKILL'); });
    await eventually(async () => ((await client.get('/readyz')).status === 200 ? true : undefined), 'restart ready', 60_000);
    expect(alive(postmasterPid), 'the orphan was stopped').to.equal(false);
    // Data survived and the demo was not seeded again.
    expect((await client.post('/v1/players', { handle: 'survivor' })).status).to.equal(409);
    expect((await client.get('/v1/hunts')).body.hunts).to.have.length(3);

    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).to.equal(0);
    const pidFile = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => undefined);
    expect(pidFile, 'PostgreSQL stopped with the engine').to.equal(undefined);
  });
});
