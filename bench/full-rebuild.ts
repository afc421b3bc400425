// `npm run bench:rebuild -- [--hunts 200] [--players 20000] [--finds 2000000] [--rounds 3]`
// The full rebuild two ways, interleaved in one run on the same data: the engine's (one per-hunt
// refresh after another, from the views) and the alternative it was measured against
// (materialized views of bench/sql refreshed CONCURRENTLY, then every hunt published from them).
// Prints a table; the numbers decided which path the engine keeps.
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createAnswerHasher } from '../src/core/answer-hash.ts';
import { createPool } from '../src/core/db.ts';
import { startThrowawayPostgres } from '../src/core/embedded-postgres.ts';
import { migrate } from '../src/core/migrate.ts';
import { generateData } from '../src/seed/generate-data.ts';
import { fullRebuild } from '../src/worker/full-rebuild.ts';
import { buildHuntDocuments } from '../src/worker/document-builder.ts';
import { inSnapshot, inTransaction, withHuntLock } from '../src/worker/hunt-lock.ts';
import { prepareHuntPublish, prepareHuntsIndex, writePublish } from '../src/worker/publisher.ts';
import { loadHunt, loadHuntRows } from '../src/worker/read-model-rows.ts';
import { refreshHunt } from '../src/worker/refresh-hunt.ts';

const MATERIALIZED = { standings: 'mv_hunt_standings', clueStats: 'mv_hunt_clue_stats', summaries: 'mv_hunt_summaries' };

/** The alternative: refresh the materialized views, then publish every hunt from them. */
async function rebuildFromMaterializedViews(pool: ReturnType<typeof createPool>, huntIds: string[]) {
  const started = performance.now();
  for (const view of Object.values(MATERIALIZED)) await pool.query(`refresh materialized view concurrently ${view}`);
  const viewMs = performance.now() - started;
  for (const id of huntIds) {
    await withHuntLock(pool, id, async (client) => {
      const { hunt, rows } = await inSnapshot(client, async () => {
        const hunt = (await loadHunt(client, id))!;
        return { hunt, rows: await loadHuntRows(client, hunt, MATERIALIZED) };
      });
      await inTransaction(client, async () => {
        const prepared = await prepareHuntPublish(client, hunt, buildHuntDocuments(rows), 'all');
        const index = await prepareHuntsIndex(client);
        await writePublish(client, prepared, index);
      });
    });
  }
  return { ms: performance.now() - started, viewMs };
}

const { values } = parseArgs({ options: {
  hunts: { type: 'string', default: '200' }, players: { type: 'string', default: '20000' },
  finds: { type: 'string', default: '2000000' }, rounds: { type: 'string', default: '3' },
} });

const embedded = process.env.DATABASE_URL ? undefined : await startThrowawayPostgres();
let url = process.env.DATABASE_URL ?? embedded!.url('postgres');
const database = `bench_rebuild_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`create database ${database}`);
const parsed = new URL(url);
parsed.pathname = `/${database}`;
url = parsed.toString();

const pool = createPool(url, 4, 'bench');
try {
  await migrate(pool);
  const sqlDir = new URL('./sql/', import.meta.url);
  for (const file of (await readdir(sqlDir)).sort((a, b) => a.localeCompare(b))) {
    await pool.query(await readFile(new URL(file, sqlDir), 'utf8'));
  }
  console.log(`seeding ${values.finds} finds over ${values.hunts} hunts...`);
  await generateData(pool, createAnswerHasher('bench-answer-key-0123456789'), {
    hunts: Number(values.hunts), players: Number(values.players), finds: Number(values.finds),
    seed: 1, cluesPerHunt: 20, prefix: 'bench', knownTokens: false, withSubmissions: false,
  });
  await pool.query('delete from dirty_hunts');
  const hunts = (await pool.query<{ id: string }>('select id from hunts')).rows.map((r) => r.id);
  // First publish of everything (both paths then compare recompute-and-diff on the same state).
  const cold = await fullRebuild(pool);
  console.log(`first publish: ${(cold.durationMs / 1000).toFixed(2)} s, ${cold.documentsChanged} documents`);

  const results: { variant: string; ms: number; viewMs?: number }[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const mv = await rebuildFromMaterializedViews(pool, hunts);
    results.push({ variant: 'materialized views', ms: mv.ms, viewMs: mv.viewMs });
    const live = await fullRebuild(pool);
    results.push({ variant: 'per-hunt live views', ms: live.durationMs });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mvMs = median(results.filter((r) => r.variant === 'materialized views').map((r) => r.ms));
  const mvViewMs = median(results.filter((r) => r.variant === 'materialized views').map((r) => r.viewMs!));
  const liveMs = median(results.filter((r) => r.variant === 'per-hunt live views').map((r) => r.ms));
  const one = performance.now();
  await refreshHunt(pool, hunts[0]!, { full: true });
  const oneMs = performance.now() - one;
  const server = (await pool.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  console.log(`\nPostgreSQL ${server}, ${os.cpus().length} cores, ${values.finds} finds, ${hunts.length} hunts, median of ${values.rounds}`);
  console.log('| full rebuild path | total | of which view refresh | per hunt |');
  console.log('|---|---|---|---|');
  console.log(`| materialized views (REFRESH CONCURRENTLY + publish per hunt) | ${(mvMs / 1000).toFixed(2)} s | ${(mvViewMs / 1000).toFixed(2)} s | ${(mvMs / hunts.length).toFixed(1)} ms |`);
  console.log(`| views, one per-hunt refresh after another (the engine's) | ${(liveMs / 1000).toFixed(2)} s | - | ${(liveMs / hunts.length).toFixed(1)} ms |`);
  console.log(`\nratio live/materialized: ${(liveMs / mvMs).toFixed(2)}; one per-hunt refresh: ${oneMs.toFixed(1)} ms`);
} finally {
  await pool.end();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
  await embedded?.stop();
}
