// `npm run bench:refresh -- [--finds 2000000] [--small-finds 200000] [--players-per-hunt 1000]
//   [--rate 200] [--live-hunts 50] [--seconds 60] [--samples 30] [--quick]`
// Freshness at scale (issue 3), on a durable database of its own, in two parts:
// 1. The cost of refreshing one dirty hunt, at two data sizes with the same per-hunt size: the
//    incremental path (what a change triggers; from the worker's memory of the hunt, and reading
//    the published pages back) beside the full path and the full rebuild of everything. The incremental figure should not move with the total data; the full rebuild does.
// 2. Staleness under load at the larger size: the production API and worker processes, a steady
//    rate of accepted answers over many live hunts, staleness read from the API's own histogram
//    (commit of each answer to its document in the API's memory), the backlog sampled every second,
//    the database CPU per refresh and the dead tuples the serving tables gained.
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { fullRebuild } from '../src/worker/full-rebuild.ts';
import { PublishedStateCache } from '../src/worker/published-state-cache.ts';
import { refreshHunt } from '../src/worker/refresh-hunt.ts';
import { runAnswerLoad } from './support/answer-load.ts';
import { openDurableDatabase, type DurableDatabase } from './support/durable-database.ts';
import { difference, quantile, scrapeHistogram } from './support/metrics.ts';
import { samplePgActivity } from './support/pg-sampler.ts';
import { postmasterPid, serverCpuSeconds } from './support/postgres-process.ts';
import { cpuSeconds, spawnApi, type ServerProcess } from './support/processes.ts';
import { fmt, machine, median, sleep, table } from './support/report.ts';
import { seedAndPublish, type BenchData } from './support/seed.ts';
import { pendingWork, waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  finds: { type: 'string', default: '2000000' }, 'small-finds': { type: 'string', default: '200000' },
  'players-per-hunt': { type: 'string', default: '1000' }, rate: { type: 'string', default: '200' },
  'live-hunts': { type: 'string', default: '50' }, seconds: { type: 'string', default: '60' },
  samples: { type: 'string', default: '30' }, quick: { type: 'boolean', default: false },
} });
const quick = values.quick;
const PER_HUNT = Number(values['players-per-hunt']);
const CLUES = 20;
const FINDS_PER_HUNT = (PER_HUNT * CLUES) / 2; // seedAndPublish's shape: every participant finds half the clues
const SIZES = (quick ? [20_000, 100_000] : [Number(values['small-finds']), Number(values.finds)]);
const RATE = Number(values.rate);
const LIVE = quick ? 10 : Number(values['live-hunts']);
const SECONDS = quick ? 10 : Number(values.seconds);
const SAMPLES = quick ? 8 : Number(values.samples);
const PREFIX = 'br';
const ANSWERING_PLAYERS = 400;
const TARGET = { p50: 0.1, p99: 0.5, ratio: 1.5 };
const SERVING_TABLES = ['snapshot_documents', 'read_model_changes', 'dirty_hunts', 'hunt_publications'];

interface SizeResult {
  finds: number; hunts: number; incrementalMs: number; incrementalDbMs: number; fromPagesMs: number; fromPagesDbMs: number;
  fullHuntMs: number; rebuildMs: number; documents: number;
}

const answerBody = (position: number) => JSON.stringify({ answer: `gold ${position}` });

/** Clues per hunt, for answering. */
async function huntClues(db: DurableDatabase, slugs: string[]) {
  return (await db.pool.query<{ id: string; slug: string; clues: { id: string; position: number }[] }>(
    `select h.id, h.slug, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues
       from hunts h join clues c on c.hunt_id = h.id where h.slug = any($1) group by h.id, h.slug order by h.slug`, [slugs])).rows;
}

/** One new find in each hunt, by a player of the pool that has not found that clue. */
async function addFinds(apiUrl: string, targets: { slug: string; clues: { id: string; position: number }[] }[], next: { player: number }) {
  for (const hunt of targets) {
    for (;;) {
      const clue = hunt.clues[next.player % hunt.clues.length]!;
      const res = await fetch(`${apiUrl}/v1/hunts/${hunt.slug}/clues/${clue.id}/answers`, {
        method: 'POST', body: answerBody(clue.position),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${PREFIX}-token-${next.player++}` },
      });
      const body = await res.json() as { correct?: boolean; alreadyFound?: boolean };
      if (res.status !== 200) throw new Error(`answer: ${res.status} ${JSON.stringify(body)}`);
      if (body.correct && !body.alreadyFound) break;
    }
  }
}

/**
 * Part 1 at one size, per sampled hunt: its full refresh (which also leaves the worker's memory of
 * it, as in a running worker), then a new find refreshed from that memory (the common case), then
 * another refreshed without it (reading the published pages back: a worker's first refresh of a
 * hunt); the full rebuild of everything last.
 */
async function refreshCost(db: DurableDatabase, data: BenchData): Promise<SizeResult> {
  const procs: ServerProcess[] = [];
  try {
    const postmaster = await postmasterPid(db.pool);
    // The API only takes the answers; no worker: this part refreshes by hand, one hunt at a time.
    const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), env: { GUESS_MAX_PER_MINUTE: '1000000' } });
    procs.push(api);
    const targets = (await huntClues(db, data.slugs)).slice(0, SAMPLES);
    const next = { player: 1 };
    const cache = new PublishedStateCache();
    const full: number[] = [];
    for (const hunt of targets) full.push((await refreshHunt(db.pool, hunt.id, { full: true, cache })).durationMs);
    const timed = async (opts: { cache?: PublishedStateCache }) => {
      await addFinds(api.url, targets, next);
      const ms: number[] = [];
      const cpuBefore = serverCpuSeconds(postmaster);
      for (const hunt of targets) {
        const outcome = await refreshHunt(db.pool, hunt.id, opts);
        if (outcome.path !== 'incremental') throw new Error(`expected the incremental path, got ${outcome.path}`);
        ms.push(outcome.durationMs);
      }
      return { ms: median(ms), dbMs: ((serverCpuSeconds(postmaster) - cpuBefore) * 1000) / targets.length };
    };
    const fromMemory = await timed({ cache });
    const fromPages = await timed({});
    const rebuild = await fullRebuild(db.pool);
    console.log(`  ${fmt.int(data.finds)} finds: incremental ${fmt.ms(fromMemory.ms)} ms from memory, ${fmt.ms(fromPages.ms)} ms reading the pages; ` +
      `full hunt ${fmt.ms(median(full))} ms, full rebuild ${(rebuild.durationMs / 1000).toFixed(1)} s`);
    return {
      finds: data.finds, hunts: data.huntIds.length, incrementalMs: fromMemory.ms, incrementalDbMs: fromMemory.dbMs,
      fromPagesMs: fromPages.ms, fromPagesDbMs: fromPages.dbMs, fullHuntMs: median(full), rebuildMs: rebuild.durationMs, documents: data.documents,
    };
  } finally {
    for (const p of procs) await p.stop();
  }
}

interface TableStats { relname: string; n_live_tup: number; n_dead_tup: number; n_tup_ins: number; n_tup_upd: number; n_tup_del: number; autovacuum_count: number; vacuum_count: number }

async function tableStats(db: DurableDatabase): Promise<Map<string, TableStats>> {
  // Statistics are flushed by backends at most once a second: wait that out first.
  await sleep(1500);
  const { rows } = await db.pool.query<TableStats>(
    `select relname, n_live_tup::int8, n_dead_tup::int8, n_tup_ins::int8, n_tup_upd::int8, n_tup_del::int8,
            autovacuum_count::int8, vacuum_count::int8
       from pg_stat_user_tables where relname = any($1)`, [SERVING_TABLES]);
  return new Map(rows.map((r) => [r.relname, r]));
}

/** Part 2: staleness and backlog under a steady answer rate, with the production processes. */
async function underLoad(db: DurableDatabase, data: BenchData) {
  const procs: ServerProcess[] = [];
  try {
    const postmaster = await postmasterPid(db.pool);
    const worker = await spawnWorker(db.url);
    const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), env: { GUESS_MAX_PER_MINUTE: '1000000', GUESS_FREE_WRONG_PER_CLUE: '1000000' } });
    procs.push(worker, api);
    await waitSettled(db.pool, [api.url], 300_000);
    const live = (await huntClues(db, data.slugs)).slice(0, LIVE);
    // A running worker has refreshed its live hunts before: one find in each, so the measured
    // minute does not start with a fresh worker reading fifty hunts' pages at once.
    await addFinds(api.url, live, { player: 1 });
    await waitSettled(db.pool, [api.url], 60_000);
    const settings = (await db.pool.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings where name in ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_threshold',
         'autovacuum_vacuum_scale_factor', 'autovacuum_vacuum_cost_delay', 'autovacuum_vacuum_cost_limit', 'synchronous_commit', 'fsync')
       order by name`)).rows;
    const reloptions = (await db.pool.query<{ relname: string; reloptions: string[] | null }>(
      'select relname, reloptions from pg_class where relname = any($1) order by relname', [SERVING_TABLES])).rows;

    const staleness = () => scrapeHistogram(`${api.url}/metrics`, 'treasure_snapshot_staleness_seconds', () => true);
    const refreshes = () => scrapeHistogram(`${worker.url}/metrics`, 'treasure_refresh_duration_seconds', (l) => l.queue === 'refresh-hunt' && l.outcome === 'success');
    const [staleBefore, refreshBefore, statsBefore] = [await staleness(), await refreshes(), await tableStats(db)];
    const cpuBefore = { pg: serverCpuSeconds(postmaster), worker: cpuSeconds(worker.pid), api: cpuSeconds(api.pid) };

    // Every second: the backlog (changes and dirty hunts waiting for the worker).
    const backlog: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pending = await pendingWork(db.pool);
        backlog.push(Object.values(pending).reduce((a, b) => a + b, 0));
        await sleep(1000);
      }
    })();
    const pgActivity = await samplePgActivity(db.url, postmaster);
    console.log(`  ${RATE} answers/s over ${live.length} live hunts for ${SECONDS} s...`);
    const load = await runAnswerLoad({
      urls: [api.url], tokens: Array.from({ length: ANSWERING_PLAYERS }, (_, i) => `${PREFIX}-token-${i + 1}`),
      hunts: live.map((h) => ({ slug: h.slug, clues: h.clues })), rate: RATE, seconds: SECONDS,
      mix: { correct: 1, repeat: 0 }, seed: 9,
    });
    sampling = false;
    await sampler;
    const activity = await pgActivity.stop();
    const settleMs = await waitSettled(db.pool, [api.url], 120_000);
    const cpu = {
      pg: serverCpuSeconds(postmaster) - cpuBefore.pg, worker: cpuSeconds(worker.pid) - cpuBefore.worker, api: cpuSeconds(api.pid) - cpuBefore.api,
    };
    const stale = difference(staleBefore, await staleness());
    const refresh = difference(refreshBefore, await refreshes());
    const statsAfter = await tableStats(db);
    return { data, load, backlog, settleMs, cpu, stale, refresh, statsBefore, statsAfter, settings, reloptions, activity };
  } finally {
    for (const p of procs) await p.stop();
  }
}

const m = machine();
console.log(`bench:refresh on ${m.cores} cores (${m.model}), ${m.memory}, Node ${m.node}, ${m.date}${quick ? ' (quick)' : ''}`);
console.log(`part 1: one dirty hunt of ${fmt.int(PER_HUNT)} players / ${fmt.int(FINDS_PER_HUNT)} finds, at ${SIZES.map(fmt.int).join(' and ')} finds in all`);
const sizes: SizeResult[] = [];
let run: Awaited<ReturnType<typeof underLoad>> | undefined;
for (const finds of SIZES) {
  const hunts = Math.round(finds / FINDS_PER_HUNT);
  const db = await openDurableDatabase(`refresh_${hunts}`);
  try {
    const data = await seedAndPublish(db.pool, { hunts, playersPerHunt: PER_HUNT, cluesPerHunt: CLUES, prefix: PREFIX, knownTokens: true, seed: 3 });
    sizes.push(await refreshCost(db, data));
    if (finds === SIZES.at(-1)) {
      console.log(`part 2: staleness under load at ${fmt.int(data.finds)} finds`);
      run = await underLoad(db, data);
    }
  } finally {
    await db.close();
  }
}
if (!run) throw new Error('no run under load');

const ratio = sizes[1]!.incrementalMs / sizes[0]!.incrementalMs;
const p50 = quantile(0.5, run.stale);
const p99 = quantile(0.99, run.stale);
const tenth = Math.max(1, Math.floor(run.backlog.length / 6));
const early = median(run.backlog.slice(0, tenth));
const late = median(run.backlog.slice(-tenth));
const accepted = run.load.outcomes.newFind / (run.load.elapsedMs / 1000);
const refreshCount = run.refresh.count;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

console.log(`\n### One dirty hunt (median of ${SAMPLES} hunts)\n`);
console.log(table(['finds in all', 'hunts', 'incremental refresh from memory', 'its database CPU', 'incremental refresh reading the pages', 'its database CPU', 'full refresh of the hunt', 'full rebuild of everything'],
  sizes.map((s) => [fmt.int(s.finds), s.hunts, `${fmt.ms(s.incrementalMs)} ms`, `${fmt.ms(s.incrementalDbMs)} ms`, `${fmt.ms(s.fromPagesMs)} ms`, `${fmt.ms(s.fromPagesDbMs)} ms`,
    `${fmt.ms(s.fullHuntMs)} ms`, `${(s.rebuildMs / 1000).toFixed(1)} s`])));
const pagesRatio = sizes[1]!.fromPagesMs / sizes[0]!.fromPagesMs;
console.log(`\nincremental ${fmt.int(sizes[1]!.finds)} / ${fmt.int(sizes[0]!.finds)}: ${fmt.ratio(ratio)}x from memory, ${fmt.ratio(pagesRatio)}x reading the pages ` +
  `(target < ${TARGET.ratio}x) ${verdict(ratio < TARGET.ratio && pagesRatio < TARGET.ratio)}; full rebuild: ${fmt.ratio(sizes[1]!.rebuildMs / sizes[0]!.rebuildMs)}x`);

console.log(`\n### Under load: ${fmt.int(run.data.finds)} finds, ${RATE} answers/s offered over ${LIVE} live hunts, ${SECONDS} s\n`);
console.log(table(['accepted answers/s', 'answer p50 / p99', 'staleness p50', 'staleness p99', 'observed answers', 'refreshes', 'answers per refresh', 'refresh p50 / p99 (worker)', 'errors'], [[
  fmt.int(accepted), `${fmt.ms(run.load.latency.p50)} / ${fmt.ms(run.load.latency.p99)} ms`,
  `${fmt.ms(p50 * 1000)} ms`, `${fmt.ms(p99 * 1000)} ms`, fmt.int(run.stale.count), fmt.int(refreshCount),
  fmt.ratio(run.load.outcomes.newFind / refreshCount),
  `${fmt.ms(quantile(0.5, run.refresh) * 1000)} / ${fmt.ms(quantile(0.99, run.refresh) * 1000)} ms`,
  `${run.load.errors} transport, ${Object.entries(run.load.statuses).filter(([s]) => s !== '200').map(([s, n]) => `${n}x${s}`).join(' ') || 'no non-200'}`,
]]));
console.log(`\nstaleness p50 < ${TARGET.p50 * 1000} ms: ${verdict(p50 < TARGET.p50)}; p99 < ${TARGET.p99 * 1000} ms: ${verdict(p99 < TARGET.p99)}`);
console.log(`backlog (changes + dirty hunts waiting), median of the first and last sixth: ${early} -> ${late}, max ${Math.max(...run.backlog)}: ` +
  `${verdict(late <= Math.max(early, 5) * 1.5)} (samples: ${run.backlog.join(' ')}); settled ${run.settleMs} ms after the load stopped`);
console.log(`CPU over the run: PostgreSQL ${run.cpu.pg.toFixed(1)} s, worker ${run.cpu.worker.toFixed(1)} s, API ${run.cpu.api.toFixed(1)} s; ` +
  `per refresh: worker ${fmt.ms((run.cpu.worker * 1000) / refreshCount)} ms; PostgreSQL (answers included) ${fmt.ms((run.cpu.pg * 1000) / refreshCount)} ms`);
console.log(`PostgreSQL CPU by client over the load (s): ${run.activity.cpuByClient.map(([k, sec]) => `${k} ${sec.toFixed(1)}`).join(', ')}`);
console.log(`PostgreSQL backends over ${run.activity.samples} samples (client state: wait event, count): ${run.activity.waits.map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log('\nserving tables over the run (pg_stat_user_tables):');
console.log(table(['table', 'inserted', 'updated', 'deleted', 'dead tuples before -> after', 'live after', 'autovacuums in the run'],
  SERVING_TABLES.map((t) => {
    const [b, a] = [run.statsBefore.get(t)!, run.statsAfter.get(t)!];
    return [t, fmt.int(a.n_tup_ins - b.n_tup_ins), fmt.int(a.n_tup_upd - b.n_tup_upd), fmt.int(a.n_tup_del - b.n_tup_del),
      `${fmt.int(b.n_dead_tup)} -> ${fmt.int(a.n_dead_tup)}`, fmt.int(a.n_live_tup), a.autovacuum_count - b.autovacuum_count];
  })));
console.log(`\nvacuum settings: ${run.settings.map((s) => `${s.name}=${s.setting}`).join(', ')}`);
console.log(`table options: ${run.reloptions.map((r) => `${r.relname}: ${r.reloptions?.join(', ') ?? 'defaults'}`).join('; ')}`);
