// rate_windows rows whose minute is over are deleted by the worker, so the table holds about a
// minute's traffic instead of a row per player and address ever seen; current windows stay.
import { expect } from 'chai';
import type pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { pruneRateWindows } from '../src/worker/rate-window-pruning.ts';
import { startWorker } from '../src/worker/worker.ts';
import { eventually, testConfig } from './support/engine.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('rate window pruning', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('rate_window_pruning');
    pool = createPool(db.url, 2, 'test');
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** `old` windows that ended minutes ago and `current` ones of this minute; returns the current keys. */
  async function insertWindows(prefix: string, old: number, current: number): Promise<string[]> {
    await pool.query(`delete from rate_windows`);
    await pool.query(
      `insert into rate_windows (scope, key, window_start, hits)
       select 'guess', $1 || '-old-' || i, date_trunc('minute', now()) - (1 + i % 5) * interval '1 minute' - interval '1 minute', 3
         from generate_series(1, $2::int) as i
       union all
       select 'register', $1 || '-current-' || i, date_trunc('minute', now()), 2
         from generate_series(1, $3::int) as i`, [prefix, old, current]);
    return Array.from({ length: current }, (_, i) => `${prefix}-current-${i + 1}`);
  }

  const keys = async () => (await pool.query<{ key: string }>('select key from rate_windows order by key')).rows.map((r) => r.key);

  it('deletes every window that ended, batch after batch, and keeps the current ones', async () => {
    const current = await insertWindows('direct', 7, 2);
    expect(await pruneRateWindows(pool, 3)).to.equal(7);
    expect(await keys()).to.deep.equal(current);
    expect(await pruneRateWindows(pool, 3)).to.equal(0);
  });

  it('is done by a running worker', async () => {
    const current = await insertWindows('worker', 50, 3);
    const worker = await startWorker(testConfig(db.url), { schedule: false });
    try {
      await eventually(async () => ((await keys()).length === current.length ? true : undefined), 'old rate windows pruned');
      expect(await keys()).to.deep.equal(current);
    } finally {
      await worker.stop();
    }
  });
});
