// `npm run bench:refresh -- [--finds 2000000] [--small-finds 200000] [--players-per-hunt 1000]
//   [--rate 200] [--live-hunts 50] [--seconds 60] [--samples 30] [--game-model] [--quick] [--stats-only]`
// Freshness at scale (issue 3), on a durable database of its own, in two parts:
// 1. The cost of refreshing one dirty hunt, at two data sizes with the same per-hunt size: the
//    incremental path (what a change triggers; from the worker's memory of the hunt, and reading
//    the published pages back) beside the full path and the full rebuild of everything. The incremental figure should not move with the total data; the full rebuild does.
// 2. Staleness under load at the larger size: the production API and worker processes, a steady
//    rate of accepted answers over many live hunts, staleness read from the API's own histogram
//    (commit of each answer to its document in the API's memory), the backlog sampled every second,
//    the database CPU per refresh and the dead tuples the serving tables gained.
// At both sizes, after part 1: the organiser analytics (src/worker/stats-refresh.ts), with about
// one wrong guess per two finds added: the first fill of its materialized views, then REFRESH
// MATERIALIZED VIEW CONCURRENTLY per view and the whole stats job (views and documents), each
// after a small change; the views' size, and one hunt's stats document and big board read as the
// admin routes read them. --stats-only skips part 2 (part 1 and the analytics only).
// --game-model: the data has teams, rules and hints (generateData's teamHunts/rules/hints): a quarter
// of the hunts are team hunts (teams of 4), every hunt has unlock rules and hints (some bought). A
// quarter of the sampled and of the live hunts are team hunts, answered by their members (a
// member's token: the find is the team's); after the mixed load, a second phase answers in the
// live team hunts only, at the same rate, so their staleness is measured on its own.
import { parseArgs } from 'node:util';
import { bigboard, statsDocument } from '../src/api/admin-analytics.ts';
import { freePort } from '../src/core/embedded-postgres.ts';
import { STATS_VIEWS, refreshStats, type StatsRefreshOutcome } from '../src/worker/stats-refresh.ts';
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
  'game-model': { type: 'boolean', default: false }, 'stats-only': { type: 'boolean', default: false },
} });
const STATS_ONLY = values['stats-only'];
/** The stats job's default interval (STATS_REFRESH_SECONDS): the job must take far less. */
const STATS_INTERVAL_MS = 60_000;
const STATS_RUNS = values.quick ? 3 : 5;
const GAME_MODEL = values['game-model'];
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

type HuntClues = { id: string; slug: string; team: boolean; clues: { id: string; position: number }[] };

/** n hunts to sample or load: the first by slug, with the game model a quarter of them team hunts. */
function pick(hunts: HuntClues[], n: number): HuntClues[] {
  if (!GAME_MODEL) return hunts.slice(0, n);
  const team = hunts.filter((h) => h.team);
  const solo = hunts.filter((h) => !h.team);
  const teams = Math.min(team.length, Math.max(1, Math.round(n / 4)));
  return [...solo.slice(0, n - teams), ...team.slice(0, teams)];
}

/** Seeded player numbers who are members of a team hunt's teams (in team order: one per team first). */
async function members(db: DurableDatabase, huntId: string): Promise<number[]> {
  return (await db.pool.query<{ n: number }>(
    `select substr(p.handle, length($2) + 2)::int as n from team_members m join players p on p.id = m.player_id
      where m.hunt_id = $1 order by row_number() over (partition by m.team_id order by p.handle), m.team_id`, [huntId, PREFIX])).rows.map((r) => r.n);
}

/** Clues per hunt, for answering. */
async function huntClues(db: DurableDatabase, slugs: string[]): Promise<HuntClues[]> {
  return (await db.pool.query<HuntClues>(
    `select h.id, h.slug, h.mode = 'team' as team, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues
       from hunts h join clues c on c.hunt_id = h.id where h.slug = any($1) group by h.id, h.slug, h.mode order by h.slug`, [slugs])).rows;
}

/**
 * One new find in each hunt, by a player of the pool that has not found that clue (in a team hunt,
 * a member of a team that has not: `teamMembers` by hunt id). A clue still locked for the player
 * (409 clue_locked, unlock rules) is passed over like one already found.
 */
async function addFinds(apiUrl: string, targets: HuntClues[], next: { player: number }, teamMembers = new Map<string, number[]>()) {
  for (const hunt of targets) {
    const pool = teamMembers.get(hunt.id);
    for (let tries = 0; ; tries++) {
      if (tries > 10_000) throw new Error(`no new find in ${hunt.slug} after ${tries} answers`);
      const n = next.player++;
      const player = pool ? pool[n % pool.length]! : n;
      const clue = hunt.clues[n % hunt.clues.length]!;
      const res = await fetch(`${apiUrl}/v1/hunts/${hunt.slug}/clues/${clue.id}/answers`, {
        method: 'POST', body: answerBody(clue.position),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${PREFIX}-token-${player}` },
      });
      const body = await res.json() as { correct?: boolean; alreadyFound?: boolean; error?: string };
      if (res.status === 409 && body.error === 'clue_locked') continue;
      if (res.status !== 200) throw new Error(`answer: ${res.status} ${JSON.stringify(body)}`);
      if (body.correct && !body.alreadyFound) break;
    }
  }
}

/**
 * Members of a team hunt's teams who can still score, each with the clues their team has not found
 * (a team of four seeded participants has found most of them): one member of each team, teams
 * with the most clues left first, then a second member of each, and so on.
 */
async function teamAnswerers(db: DurableDatabase, hunt: HuntClues): Promise<{ n: number; clues: { id: string; position: number }[] }[]> {
  return (await db.pool.query<{ n: number; clues: { id: string; position: number }[] }>(
    `with open as (
       select t.id as team_id, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues, count(*) as left_n
         from teams t join clues c on c.hunt_id = t.hunt_id
        where t.hunt_id = $1 and not exists (select 1 from finds f where f.competitor_id = t.id and f.clue_id = c.id)
        group by t.id
     )
     select substr(p.handle, length($2) + 2)::int as n, o.clues
       from open o join team_members m on m.team_id = o.team_id join players p on p.id = m.player_id
      order by row_number() over (partition by o.team_id order by p.handle), o.left_n desc, o.team_id`, [hunt.id, PREFIX])).rows;
}

async function teamMembersOf(db: DurableDatabase, hunts: HuntClues[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const h of hunts) if (h.team) out.set(h.id, await members(db, h.id));
  return out;
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
    const targets = pick(await huntClues(db, data.slugs), SAMPLES);
    const teamMembers = await teamMembersOf(db, targets);
    const next = { player: 1 };
    const cache = new PublishedStateCache();
    const full: number[] = [];
    for (const hunt of targets) full.push((await refreshHunt(db.pool, hunt.id, { full: true, cache })).durationMs);
    const timed = async (opts: { cache?: PublishedStateCache }) => {
      await addFinds(api.url, targets, next, teamMembers);
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

interface StatsCost {
  finds: number; wrongGuesses: number; hintsTaken: number; hunts: number;
  fill: StatsRefreshOutcome; runs: StatsRefreshOutcome[]; jobDbMs: number; viewBytes: Record<string, number>; viewRows: Record<string, number>;
  statsReadMs: number; bigboardReadMs: number; bigboardCells: number;
}

/**
 * The organiser analytics at this size: wrong guesses added (the seed writes none), the views'
 * first fill (WITH NO DATA until then), then STATS_RUNS stats jobs, each after a small change (a
 * hundred more wrong guesses), so CONCURRENTLY has a difference to write. Then one hunt's admin
 * reads, as the routes make them.
 */
async function statsRefreshCost(db: DurableDatabase, data: BenchData): Promise<StatsCost> {
  const postmaster = await postmasterPid(db.pool);
  // About one wrong guess per two finds, half a minute before the find, by the finder.
  await db.pool.query(
    `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct, submitted_at)
     select hunt_id, clue_id, player_id, 'bench', sha256(convert_to('wrong ' || competitor_id || clue_id, 'UTF8')), false, found_at - interval '30 seconds'
       from finds where (extract(epoch from found_at) * 1000)::bigint % 2 = 0
     on conflict do nothing`);
  await db.pool.query('vacuum analyze submissions');
  const counts = (await db.pool.query<{ wrong: number; hints: number; finds: number }>(
    `select (select count(*) from submissions where not correct)::int as wrong, (select count(*) from hints_taken)::int as hints,
            (select count(*) from finds)::int as finds`)).rows[0]!;
  // Emptied first: part 2's worker runs the stats schedule and may have filled them already.
  for (const view of STATS_VIEWS) await db.pool.query(`refresh materialized view ${view} with no data`);
  const fill = await refreshStats(db.pool);
  if (fill.concurrently) throw new Error('expected the first stats refresh to fill empty views');
  await db.pool.query(`vacuum analyze ${STATS_VIEWS.join(', ')}`);
  const runs: StatsRefreshOutcome[] = [];
  let cpu = 0;
  for (let i = 0; i < STATS_RUNS; i++) {
    await db.pool.query(
      `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct)
       select hunt_id, clue_id, player_id, 'bench', sha256(convert_to('again ' || $1 || competitor_id || clue_id, 'UTF8')), false
         from finds where hunt_id = any($2::uuid[]) limit 100`, [i, data.huntIds.slice(0, 5)]);
    const before = serverCpuSeconds(postmaster);
    const run = await refreshStats(db.pool);
    cpu += serverCpuSeconds(postmaster) - before;
    if (!run.concurrently) throw new Error('expected CONCURRENTLY once the views are populated');
    runs.push(run);
  }
  const sizes = (await db.pool.query<{ relname: string; bytes: number; rows: number }>(
    `select c.relname, pg_total_relation_size(c.oid)::int8 as bytes, c.reltuples::int8 as rows
       from pg_class c where c.relname = any($1) and c.relnamespace = current_schema()::regnamespace`, [STATS_VIEWS])).rows;
  const slug = data.slugs[0]!;
  const reads = async <T>(fn: () => Promise<T>) => {
    const ms: number[] = [];
    let out: T | undefined;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      out = await fn();
      ms.push(performance.now() - t);
    }
    return { ms: median(ms), out: out! };
  };
  const stats = await reads(() => statsDocument(db.pool, slug));
  const board = await reads(() => bigboard(db.pool, slug));
  const result: StatsCost = {
    finds: counts.finds, wrongGuesses: counts.wrong, hintsTaken: counts.hints, hunts: fill.hunts, fill, runs,
    jobDbMs: (cpu * 1000) / STATS_RUNS,
    viewBytes: Object.fromEntries(sizes.map((r) => [r.relname, r.bytes])), viewRows: Object.fromEntries(sizes.map((r) => [r.relname, r.rows])),
    statsReadMs: stats.ms, bigboardReadMs: board.ms, bigboardCells: board.out.competitors.length * board.out.clues.length,
  };
  console.log(`  ${fmt.int(counts.finds)} finds: stats views filled in ${(fill.durationMs / 1000).toFixed(1)} s; stats job (CONCURRENTLY) median `
    + `${fmt.int(median(runs.map((r) => r.durationMs)))} ms`);
  return result;
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
    const live = pick(await huntClues(db, data.slugs), LIVE);
    const teamMembers = await teamMembersOf(db, live);
    // A running worker has refreshed its live hunts before: one find in each, so the measured
    // minute does not start with a fresh worker reading fifty hunts' pages at once.
    await addFinds(api.url, live, { player: 1 }, teamMembers);
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
    // The answering players: in solo hunts any of the first ANSWERING_PLAYERS; in each team hunt its
    // share of them (ANSWERING_PLAYERS / live hunts), members of as many different teams.
    const solo = live.map((h, i) => [h, i] as const).filter(([h]) => !h.team).map(([, i]) => i);
    const perHunt = Math.max(1, Math.round(ANSWERING_PLAYERS / live.length));
    const soloTokens = Array.from({ length: ANSWERING_PLAYERS - perHunt * (live.length - solo.length) }, (_, i) => `${PREFIX}-token-${i + 1}`);
    // A team member answers the clues its team has not found (as a hunt entry of its own).
    const answerers = new Map<string, Awaited<ReturnType<typeof teamAnswerers>>>();
    for (const h of live) if (h.team) answerers.set(h.id, await teamAnswerers(db, h));
    const huntEntries = live.map((h) => ({ slug: h.slug, clues: h.clues }));
    const teamPlayers = live.flatMap((h) => h.team ? answerers.get(h.id)!.slice(0, perHunt).map((a) => {
      huntEntries.push({ slug: h.slug, clues: a.clues });
      return { token: `${PREFIX}-token-${a.n}`, hunt: huntEntries.length - 1 };
    }) : []);
    const load = await runAnswerLoad({
      urls: [api.url], tokens: [...soloTokens, ...teamPlayers.map((t) => t.token)],
      hunts: huntEntries, rate: RATE, seconds: SECONDS,
      mix: { correct: 1, repeat: 0 }, seed: 9,
      playerHunts: [...soloTokens.map(() => solo), ...teamPlayers.map((t) => [t.hunt])],
    });
    sampling = false;
    await sampler;
    const activity = await pgActivity.stop();
    const settleMs = await waitSettled(db.pool, [api.url], 120_000);
    const stale = difference(staleBefore, await staleness());
    // CPU, refreshes and table statistics of the mixed load only (the team-only phase comes after).
    const cpu = {
      pg: serverCpuSeconds(postmaster) - cpuBefore.pg, worker: cpuSeconds(worker.pid) - cpuBefore.worker, api: cpuSeconds(api.pid) - cpuBefore.api,
    };
    const refresh = difference(refreshBefore, await refreshes());
    const statsAfter = await tableStats(db);
    // The team hunts alone, at the same rate: their members' answers' staleness on its own.
    let teamOnly: { load: Awaited<ReturnType<typeof runAnswerLoad>>; stale: ReturnType<typeof difference>; hunts: number; players: number; seconds: number } | undefined;
    const liveTeams = live.filter((h) => h.team);
    if (liveTeams.length > 0) {
      const seconds = Math.max(5, Math.round(SECONDS / 2));
      // Their other members (their teams' clues left, read again after the mixed load).
      const entries: { slug: string; clues: { id: string; position: number }[] }[] = [];
      const players: { token: string; hunt: number }[] = [];
      for (const h of liveTeams) {
        for (const a of (await teamAnswerers(db, h)).filter((x) => !teamPlayers.some((t) => t.token === `${PREFIX}-token-${x.n}`))
          .slice(0, Math.ceil(ANSWERING_PLAYERS / liveTeams.length))) {
          entries.push({ slug: h.slug, clues: a.clues });
          players.push({ token: `${PREFIX}-token-${a.n}`, hunt: entries.length - 1 });
        }
      }
      console.log(`  then ${RATE} answers/s in the ${liveTeams.length} live team hunts only (${players.length} members) for ${seconds} s...`);
      const before = await staleness();
      const teamLoad = await runAnswerLoad({
        urls: [api.url], tokens: players.map((p) => p.token), hunts: entries,
        rate: RATE, seconds, mix: { correct: 1, repeat: 0 }, seed: 11, playerHunts: players.map((p) => [p.hunt]),
      });
      await waitSettled(db.pool, [api.url], 120_000);
      teamOnly = { load: teamLoad, stale: difference(before, await staleness()), hunts: liveTeams.length, players: players.length, seconds };
    }
    return { data, load, backlog, settleMs, cpu, stale, refresh, statsBefore, statsAfter, settings, reloptions, activity, teamOnly, liveTeams: liveTeams.length, teamAnswerers: teamPlayers.length, answerers: soloTokens.length + teamPlayers.length };
  } finally {
    for (const p of procs) await p.stop();
  }
}

const m = machine();
console.log(`bench:refresh on ${m.cores} cores (${m.model}), ${m.memory}, Node ${m.node}, ${m.date}${quick ? ' (quick)' : ''}`);
if (GAME_MODEL) console.log('game model: a quarter of the hunts are team hunts (teams of 4); unlock rules and hints in every hunt');
console.log(`part 1: one dirty hunt of ${fmt.int(PER_HUNT)} players / ${fmt.int(FINDS_PER_HUNT)} finds, at ${SIZES.map(fmt.int).join(' and ')} finds in all`);
const sizes: SizeResult[] = [];
const statsCosts: StatsCost[] = [];
let run: Awaited<ReturnType<typeof underLoad>> | undefined;
for (const finds of SIZES) {
  const hunts = Math.round(finds / FINDS_PER_HUNT);
  const db = await openDurableDatabase(`refresh_${hunts}`);
  try {
    const data = await seedAndPublish(db.pool, {
      hunts, playersPerHunt: PER_HUNT, cluesPerHunt: CLUES, prefix: PREFIX, knownTokens: true, seed: 3,
      ...(GAME_MODEL ? { teamHunts: Math.max(1, Math.floor(hunts / 4)), rules: true, hints: true } : {}),
    });
    sizes.push(await refreshCost(db, data));
    if (finds === SIZES.at(-1) && !STATS_ONLY) {
      console.log(`part 2: staleness under load at ${fmt.int(data.finds)} finds`);
      run = await underLoad(db, data);
    }
    // After part 2: the wrong guesses it adds are not in the data part 2 measures.
    statsCosts.push(await statsRefreshCost(db, data));
  } finally {
    await db.close();
  }
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const ratio = sizes[1]!.incrementalMs / sizes[0]!.incrementalMs;
console.log(`\n### One dirty hunt (median of ${SAMPLES} hunts${GAME_MODEL ? `, ${Math.max(1, Math.round(SAMPLES / 4))} of them team hunts; unlock rules and hints in every hunt` : ''})\n`);
console.log(table(['finds in all', 'hunts', 'incremental refresh from memory', 'its database CPU', 'incremental refresh reading the pages', 'its database CPU', 'full refresh of the hunt', 'full rebuild of everything'],
  sizes.map((s) => [fmt.int(s.finds), s.hunts, `${fmt.ms(s.incrementalMs)} ms`, `${fmt.ms(s.incrementalDbMs)} ms`, `${fmt.ms(s.fromPagesMs)} ms`, `${fmt.ms(s.fromPagesDbMs)} ms`,
    `${fmt.ms(s.fullHuntMs)} ms`, `${(s.rebuildMs / 1000).toFixed(1)} s`])));
const pagesRatio = sizes[1]!.fromPagesMs / sizes[0]!.fromPagesMs;
console.log(`\nincremental ${fmt.int(sizes[1]!.finds)} / ${fmt.int(sizes[0]!.finds)}: ${fmt.ratio(ratio)}x from memory, ${fmt.ratio(pagesRatio)}x reading the pages ` +
  `(target < ${TARGET.ratio}x) ${verdict(ratio < TARGET.ratio && pagesRatio < TARGET.ratio)}; full rebuild: ${fmt.ratio(sizes[1]!.rebuildMs / sizes[0]!.rebuildMs)}x`);


console.log(`\n### Organiser analytics: the stats-refresh job (${STATS_RUNS} runs after the first fill; about one wrong guess per two finds${GAME_MODEL ? '; hints bought' : ''})\n`);
console.log(table(['finds', 'wrong guesses', 'hints taken', 'first fill (plain REFRESH)', ...STATS_VIEWS.map((v) => `${v} CONCURRENTLY`), 'whole job (views + documents)', 'its database CPU', 'views on disk', 'stats read / big board read (1 hunt)'],
  statsCosts.map((c) => [fmt.int(c.finds), fmt.int(c.wrongGuesses), fmt.int(c.hintsTaken), `${(c.fill.durationMs / 1000).toFixed(1)} s`,
    ...STATS_VIEWS.map((v) => `${fmt.int(median(c.runs.map((r) => r.viewsMs[v]!)))} ms (${fmt.int(c.viewRows[v]!)} rows)`),
    `${fmt.int(median(c.runs.map((r) => r.durationMs)))} ms (max ${fmt.int(Math.max(...c.runs.map((r) => r.durationMs)))})`, `${fmt.int(c.jobDbMs)} ms`,
    fmt.mb(Object.values(c.viewBytes).reduce((a, b) => a + b, 0)),
    `${fmt.ms(c.statsReadMs)} ms / ${fmt.ms(c.bigboardReadMs)} ms (${fmt.int(c.bigboardCells)} cells)`])));
const largestStats = statsCosts.at(-1)!;
const statsJobMs = Math.max(...largestStats.runs.map((r) => r.durationMs));
console.log(`\nstats job at ${fmt.int(largestStats.finds)} finds: slowest of ${STATS_RUNS} ${fmt.int(statsJobMs)} ms, `
  + `${fmt.pct(median(largestStats.runs.map((r) => r.durationMs)) / STATS_INTERVAL_MS)} of the default ${STATS_INTERVAL_MS / 1000} s interval `
  + `(target: fits in the interval) ${verdict(statsJobMs < STATS_INTERVAL_MS)}`);

if (!run) {
  if (!STATS_ONLY) throw new Error('no run under load');
  process.exit(0);
}

const p50 = quantile(0.5, run.stale);
const p99 = quantile(0.99, run.stale);
const tenth = Math.max(1, Math.floor(run.backlog.length / 6));
const early = median(run.backlog.slice(0, tenth));
const late = median(run.backlog.slice(-tenth));
const accepted = run.load.outcomes.newFind / (run.load.elapsedMs / 1000);
const refreshCount = run.refresh.count;

console.log(`\n### Under load: ${fmt.int(run.data.finds)} finds, ${RATE} answers/s offered over ${LIVE} live hunts${run.liveTeams ? ` (${run.liveTeams} team hunts, answered by ${run.teamAnswerers} of the ${run.answerers} players as team members)` : ''}, ${SECONDS} s\n`);
const statuses = (l: typeof run.load) => `${l.errors} transport, ${Object.entries(l.statuses).filter(([s]) => s !== '200').map(([s, n]) => `${n}x${s}`).join(' ') || 'no non-200'}`;
console.log(table(['accepted answers/s', 'answer p50 / p99', 'staleness p50', 'staleness p99', 'observed answers', 'refreshes', 'answers per refresh', 'refresh p50 / p99 (worker)', 'errors'], [[
  fmt.int(accepted), `${fmt.ms(run.load.latency.p50)} / ${fmt.ms(run.load.latency.p99)} ms`,
  `${fmt.ms(p50 * 1000)} ms`, `${fmt.ms(p99 * 1000)} ms`, fmt.int(run.stale.count), fmt.int(refreshCount),
  fmt.ratio(run.load.outcomes.newFind / refreshCount),
  `${fmt.ms(quantile(0.5, run.refresh) * 1000)} / ${fmt.ms(quantile(0.99, run.refresh) * 1000)} ms`,
  statuses(run.load),
]]));
if (GAME_MODEL) console.log('\n(409s are answers to clues still locked for the player: unlock rules; they are refused, not finds.)');
console.log(`\nstaleness p50 < ${TARGET.p50 * 1000} ms: ${verdict(p50 < TARGET.p50)}; p99 < ${TARGET.p99 * 1000} ms: ${verdict(p99 < TARGET.p99)}`);
const teamOnly = run.teamOnly;
if (teamOnly) {
  const [t50, t99] = [quantile(0.5, teamOnly.stale), quantile(0.99, teamOnly.stale)];
  console.log(`\nteam hunts only: ${RATE} answers/s offered in ${teamOnly.hunts} live team hunts by ${teamOnly.players} members, ${teamOnly.seconds} s: `
    + `${fmt.int(teamOnly.load.outcomes.newFind / (teamOnly.load.elapsedMs / 1000))} accepted answers/s (team finds), answer p50 / p99 ${fmt.ms(teamOnly.load.latency.p50)} / ${fmt.ms(teamOnly.load.latency.p99)} ms, `
    + `${teamOnly.load.outcomes.alreadyFound} already found by the team, errors ${statuses(teamOnly.load)}; staleness p50 ${fmt.ms(t50 * 1000)} ms, p99 ${fmt.ms(t99 * 1000)} ms over ${fmt.int(teamOnly.stale.count)} answers: `
    + `p50 < ${TARGET.p50 * 1000} ms ${verdict(t50 < TARGET.p50)}; p99 < ${TARGET.p99 * 1000} ms ${verdict(t99 < TARGET.p99)}`);
}
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
