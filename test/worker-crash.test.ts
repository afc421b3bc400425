// A worker killed (SIGKILL) in the middle of a refresh: readers keep the last complete publish,
// and another worker finishes the job. The change rows the refresh would have consumed are still
// there (its transaction died with it), and PostgreSQL releases the dead worker's hunt lock once it
// notices the closed connection (client_connection_check_interval, 1 s). The recovery bound is
// that second plus one dirty sweep of the other worker (DIRTY_SWEEP_INTERVAL_MS: 200 ms here,
// 1 s by default) plus the refresh itself: about 1.5 s here, about 2 s in production.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { startWorker, type WorkerHandle } from '../src/worker/worker.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, unpublishedChanges } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const WORKER_MAIN = fileURLToPath(new URL('../src/worker/main.ts', import.meta.url));
const RECOVERY_BOUND_MS = 10_000; // generous over the ~1.5 s computed above: CI machines are noisy

describe('worker crash', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let engine: Engine;
  let pool: pg.Pool;
  let second: WorkerHandle | undefined;

  before(async () => {
    db = await createTestDatabase('worker_crash');
    engine = await startEngine(db.url, { worker: false });
    pool = createPool(db.url, 3, 'test');
  });

  after(async () => {
    await second?.stop();
    await pool?.query('drop trigger if exists stall_publish on hunt_publications').catch(() => undefined);
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  it('hands a refresh killed halfway to another worker, with nothing partial served and nothing stuck', async () => {
    const env = {
      ...process.env, DATABASE_URL: db.url, HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', LOG_LEVEL: 'error',
      BOSS_SUPERVISE_INTERVAL_SECONDS: '1', REFRESH_HEARTBEAT_SECONDS: '10', DIRTY_SWEEP_INTERVAL_MS: '200',
      FULL_REBUILD_INTERVAL_SECONDS: '3600',
    };
    const child = spawn(process.execPath, [WORKER_MAIN], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const client = new Client(engine.url);
      const hunt = await createHunt(client, 'crash-hunt', [{ answers: ['phoenix'], points: 30 }]);
      const before = await eventually(async () => {
        const res = await client.get('/v1/hunts/crash-hunt/leaderboard');
        return res.status === 200 ? res.body : undefined;
      }, 'published by the first worker');
      const huntId = (await pool.query('select id from hunts where slug = $1', ['crash-hunt'])).rows[0].id as string;

      // Stall this hunt's next publish inside its transaction, as a slow disk or a lock would.
      await pool.query(`create or replace function stall_publish() returns trigger language plpgsql as $$
        begin if new.hunt_id = '${huntId}' then perform pg_sleep(600); end if; return new; end $$`);
      await pool.query(`create trigger stall_publish before update on hunt_publications for each row execute function stall_publish()`);
      const player = await registerPlayer(client, 'phoenix_rider');
      expect((await answer(client, 'crash-hunt', hunt.clues[0]!.id, player.token, 'phoenix')).body.points).to.equal(30);
      await eventually(async () => {
        const { rows } = await pool.query(`select 1 from pg_stat_activity where datname = current_database() and query like '%hunt_publications%' and wait_event = 'PgSleep'`);
        return rows.length > 0 ? true : undefined;
      }, 'refresh stalled mid-publish');

      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      await pool.query('drop trigger stall_publish on hunt_publications');

      // Nothing of the interrupted publish is visible.
      const during = await client.get('/v1/hunts/crash-hunt/leaderboard');
      expect(during.body.version).to.equal(before.version);
      expect(during.body.total).to.equal(0);

      second = await startWorker(testConfig(db.url, { bossSuperviseIntervalSeconds: 1 }), { schedule: false });
      const board = await eventually(async () => {
        const res = await client.get('/v1/hunts/crash-hunt/leaderboard');
        return res.body.total === 1 ? res.body : undefined;
      }, 'refresh finished by the second worker', 60_000);
      const recoveredMs = Date.now() - killedAt;
      expect(board.entries[0]).to.include({ handle: 'phoenix_rider', points: 30 });
      expect(recoveredMs, `recovered in ${recoveredMs} ms`).to.be.below(RECOVERY_BOUND_MS);

      // Nothing stays stuck: every change is published and no hunt is left dirty.
      expect(await unpublishedChanges(pool)).to.equal(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
