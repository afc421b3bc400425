// SIGTERM on `npm run api` and `npm run worker` processes: the request in flight and the refresh
// running finish, then the process exits 0, within a bounded time.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { freePort } from '../src/core/embedded-postgres.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, unpublishedChanges } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const API_MAIN = fileURLToPath(new URL('../src/api/main.ts', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../src/worker/main.ts', import.meta.url));
const EXIT_BOUND_MS = 15_000;

function run(entry: string, env: NodeJS.ProcessEnv): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: 'ignore' });
  return { child, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('graceful shutdown', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let engine: Engine | undefined;
  const children: ChildProcess[] = [];

  before(async () => {
    db = await createTestDatabase('shutdown');
    pool = createPool(db.url, 2, 'test');
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await engine?.stop();
    await pool.query('drop trigger if exists slow_down on submissions').catch(() => undefined);
    await pool.query('drop trigger if exists slow_down on hunt_publications').catch(() => undefined);
    await pool?.end();
    await db?.drop();
  });

  it('lets the API finish a request in flight, then exit 0', async () => {
    const port = await freePort();
    const api = run(API_MAIN, {
      DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN, ANSWER_HASH_KEY, LOG_LEVEL: 'error',
    });
    children.push(api.child);
    const client = new Client(`http://127.0.0.1:${port}`);
    await eventually(async () => ((await client.get('/readyz').catch(() => undefined))?.status === 200 ? true : undefined), 'api up');
    const hunt = await createHunt(client, 'slow-hunt', [{ answers: ['tortoise'] }]);
    const player = await registerPlayer(client, 'patient');
    // Every answer now takes two seconds inside its transaction.
    await pool.query(`create or replace function slow_down() returns trigger language plpgsql as $$
      begin perform pg_sleep(2); return new; end $$`);
    await pool.query('create trigger slow_down before insert on submissions for each row execute function slow_down()');

    const inFlight = answer(client, 'slow-hunt', hunt.clues[0]!.id, player.token, 'tortoise');
    await eventually(async () => {
      const { rows } = await pool.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
      return rows.length > 0 ? true : undefined;
    }, 'answer in flight');
    const signalled = Date.now();
    api.child.kill('SIGTERM');
    const reply = await inFlight;
    expect(reply.status).to.equal(200);
    expect(reply.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    expect(await api.exit).to.equal(0);
    expect(Date.now() - signalled).to.be.below(EXIT_BOUND_MS);
    expect((await pool.query('select count(*)::int as n from finds')).rows[0].n).to.equal(1);
    await pool.query('drop trigger slow_down on submissions');
  });

  it('lets the worker finish its running refresh, then exit 0', async () => {
    engine = await startEngine(db.url, { worker: false });
    const worker = run(WORKER_MAIN, {
      DATABASE_URL: db.url, HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'error', DIRTY_SWEEP_INTERVAL_MS: '200',
    });
    children.push(worker.child);
    const client = new Client(engine.url);
    const hunt = await createHunt(client, 'drain-hunt', [{ answers: ['last'] }]);
    await eventually(async () => ((await client.get('/v1/hunts/drain-hunt')).status === 200 ? true : undefined), 'worker publishing');
    await pool.query(`create or replace function slow_down() returns trigger language plpgsql as $$
      begin perform pg_sleep(2); return new; end $$`);
    await pool.query('create trigger slow_down before update on hunt_publications for each row execute function slow_down()');
    const player = await registerPlayer(client, 'closer');
    await answer(client, 'drain-hunt', hunt.clues[0]!.id, player.token, 'last');
    await eventually(async () => {
      const { rows } = await pool.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
      return rows.length > 0 ? true : undefined;
    }, 'refresh running');
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exit).to.equal(0);
    expect(Date.now() - signalled).to.be.below(EXIT_BOUND_MS);
    await pool.query('drop trigger slow_down on hunt_publications');
    // The refresh it was running completed and was published.
    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/drain-hunt/leaderboard');
      return res.body.total === 1 ? res.body : undefined;
    }, 'the drained refresh published', 10_000);
    expect(board.entries[0].handle).to.equal('closer');
    // Consumed by that publish, not left for another worker to redo.
    expect(await unpublishedChanges(pool)).to.equal(0);
  });

  it('lets a worker stopped while it starts finish starting, then exit 0', async () => {
    const worker = run(WORKER_MAIN, { DATABASE_URL: db.url, WORKER_METRICS_PORT: String(await freePort()), LOG_LEVEL: 'error' });
    children.push(worker.child);
    // Its first connection: past loading its code, in the middle of starting.
    await eventually(async () => {
      const { rows } = await pool.query(`select 1 from pg_stat_activity where datname = current_database() and application_name like 'worker%'`);
      return rows.length > 0 ? true : undefined;
    }, 'worker connecting', 30_000);
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exit).to.equal(0);
    expect(Date.now() - signalled).to.be.below(EXIT_BOUND_MS);
  });
});
