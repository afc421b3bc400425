// `npm run bench:abuse -- [--hunts 2] [--players 200] [--rate 100] [--seconds 15] [--warmup 3]
//   [--connections 8] [--timeout-minutes 15]`
// What a flood of requests the API cannot vouch for from memory costs: the progress of random
// player ids (a new UUID each request) and answers with made-up bearer tokens (a new token each
// request), sent as fast as a few keep-alive connections can, against one spawned API process and
// a worker, on a database of its own (DATABASE_URL's server if set, else an embedded one).
// Real players (seeded with known tokens) answer at a fixed rate throughout; each read their own
// progress once before, so the API holds it. Phase A: the real answers alone; phase B: the same
// plus the flood. Measured: PostgreSQL statements per second in each phase (pg_stat_database:
// xact_commit + xact_rollback of the bench's database, between readings taken after 12 s without
// load, see below), so B - A per second of flood is the flood's cost (pg_stat_statements, where
// the server has it loaded, as a cross-check and to name the statements); the flood's statuses;
// the real answers' errors and p99 from their due time; and, after the flood, how many real
// players' progress was no longer held (the API's snapshot hit/miss counter around a read of
// each). Prints PASS/FAIL per target and exits non-zero when one fails.
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort } from '../src/core/embedded-postgres.ts';
import { startFlood, type Flood, type FloodResult } from './support/abuse-flood.ts';
import { runAnswerLoad, type AnswerLoadResult } from './support/answer-load.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { sampleValue } from './support/metrics.ts';
import { postmasterPid, serverCpuSeconds } from './support/postgres-process.ts';
import { cpuSeconds, machineCpu, spawnApi, waitForQuiet, type ServerProcess } from './support/processes.ts';
import { fmt, machine, sleep, table } from './support/report.ts';
import { seedAndPublish } from './support/seed.ts';
import { waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  hunts: { type: 'string', default: '2' }, players: { type: 'string', default: '200' },
  rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '15' },
  warmup: { type: 'string', default: '3' }, connections: { type: 'string', default: '8' },
  'timeout-minutes': { type: 'string', default: '15' },
} });
const HUNTS = Number(values.hunts);
const PLAYERS_PER_HUNT = Number(values.players);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const TARGET = { floodStatementsPerSecond: 50, p99Ms: 250 };
const PREFIX = 'ba';
// The API's budget for lookups it cannot vouch for (UNVERIFIED_LOOKUPS_PER_SECOND, passed through
// from this environment when set): what the flood can cost at most.
const BUDGET = Number(process.env.UNVERIFIED_LOOKUPS_PER_SECOND ?? 20);

const log = (msg: string) => console.log(`[bench:abuse] ${msg}`);
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);
log(`settings: ${JSON.stringify({ hunts: HUNTS, playersPerHunt: PLAYERS_PER_HUNT, rate: RATE, seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, unverifiedLookupsPerSecond: BUDGET })}`);

// pg_stat_statements, where the server has it loaded (the embedded one here always), counts
// statements as they end, with no reporting delay: a cross-check of pg_stat_database, and which
// statements the flood added.
const db = await openDurableDatabase('abuse', log, { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' });
const pool = db.pool;
const processes: ServerProcess[] = [];
let flood: Flood | undefined;
let stats: pg.Client | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () => cleaning ??= (async () => {
  flood?.kill();
  await stats?.end().catch(() => undefined);
  for (const p of processes.splice(0).reverse()) await p.stop().catch(() => undefined);
  await db.close();
})();
// Interrupted: still stop the servers and drop the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the processes and dropping the database`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// Everything is bounded: a bench that hangs is stopped, cleaned up, and fails.
const watchdog = setTimeout(() => {
  console.error(`[bench:abuse] still running after ${values['timeout-minutes']} minutes: giving up`);
  void cleanUp().finally(() => process.exit(2));
}, Number(values['timeout-minutes']) * 60_000);
watchdog.unref();

interface Counters {
  at: number;
  /** pg_stat_database: xact_commit + xact_rollback of the bench's database. */
  statements: number;
  /** xact_rollback alone (a statement that fails rolls back; pg_stat_statements does not count it). */
  rollbacks: number;
  tokenScans: number; idScans: number;
  /** pg_stat_statements: calls of every statement in the bench's database (NaN without it). */
  calls: number;
  /** The same per statement (queryid), for the phase boundaries. */
  byStatement?: Map<string, { calls: number; query: string }>;
}
interface Cpu { api: number; worker: number; postgres: number; bench: number; machineBusy: number; machineTotal: number }

try {
  const postmaster = await postmasterPid(pool);
  await seedAndPublish(pool, { hunts: HUNTS, playersPerHunt: PLAYERS_PER_HUNT, prefix: PREFIX, knownTokens: true, seed: 7 }, log);
  const worker = await spawnWorker(db.url);
  processes.push(worker);
  // Guess limits raised so the real players are never rate-limited (a 429 would count as an error).
  const api = await spawnApi({
    databaseUrl: db.url, port: await freePort(),
    env: { GUESS_MAX_PER_MINUTE: '1000000', GUESS_FREE_WRONG_PER_CLUE: '1000000' },
  });
  processes.push(api);
  await waitSettled(pool, [api.url], 300_000);

  const hunts = (await pool.query<{ slug: string; clues: { id: string; position: number }[] }>(
    `select h.slug, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues
       from hunts h join clues c on c.hunt_id = h.id group by h.slug order by h.slug`)).rows;
  // The real players: every visible participant of the seeded hunts, with the token the seed gave them.
  const pairs = (await pool.query<{ slug: string; player_id: string; n: number }>(
    `select h.slug, hp.competitor_id as player_id, substr(p.handle, length($1) + 2)::int as n
       from competitors hp join hunts h on h.id = hp.hunt_id join players p on p.id = hp.competitor_id
      where not hp.hidden order by h.slug, p.handle`, [PREFIX])).rows;
  const playerNumbers = [...new Set(pairs.map((p) => p.n))];
  const tokens = playerNumbers.map((n) => `${PREFIX}-token-${n}`);
  const huntOf = new Map(pairs.map((p) => [p.n, p.slug]));
  log(`${pairs.length} real players' progress in ${hunts.length} hunts (${tokens.length} distinct players)`);

  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  };
  const readyz = async () => (JSON.parse((await get('/readyz')).text) as { snapshots: { progressHeld: number } }).snapshots;
  const labelled = (text: string, name: string, label: string, value: string) =>
    Number(new RegExp(`^${name}\\{[^}]*${label}="${value}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const apiMetrics = async () => {
    const text = (await get('/metrics')).text;
    return {
      hit: labelled(text, 'treasure_snapshot_lookups_total', 'result', 'hit'),
      miss: labelled(text, 'treasure_snapshot_lookups_total', 'result', 'miss'),
      batches: sampleValue(text, 'treasure_answer_batch_size_count'),
    };
  };
  const cpu = (): Cpu => {
    const m = machineCpu();
    const own = process.cpuUsage();
    return {
      api: cpuSeconds(api.pid), worker: cpuSeconds(worker.pid), postgres: serverCpuSeconds(postmaster), bench: (own.user + own.system) / 1e6,
      machineBusy: m.busy, machineTotal: m.total,
    };
  };
  /** Runs `task` over `items`, `concurrency` at a time. */
  const eachLimited = async <T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!);
    }));
  };

  // 1. Each real player answers once (a wrong guess in their hunt), before anything is measured,
  // as any player who has been playing: an API that holds every player answers at once; one that
  // has to look their tokens up spends its unverified budget on them, so a 503 is retried after
  // its Retry-After (counted: it says the API did not vouch for a real player).
  log('real players answer once before the phases...');
  const warm = { statuses: {} as Record<string, number>, retried: 0 };
  const firstClue = new Map(hunts.map((h) => [h.slug, h.clues[0]!.id]));
  await eachLimited(playerNumbers, 16, async (n) => {
    const slug = huntOf.get(n)!;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${api.url}/v1/hunts/${slug}/clues/${firstClue.get(slug)}/answers`, {
        method: 'POST', signal: AbortSignal.timeout(10_000),
        headers: { 'authorization': `Bearer ${PREFIX}-token-${n}`, 'content-type': 'application/json' },
        body: JSON.stringify({ answer: 'warm-up' }),
      });
      await res.arrayBuffer();
      if (res.status === 503 && attempt < 60) {
        warm.retried++;
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        continue;
      }
      warm.statuses[res.status] = (warm.statuses[res.status] ?? 0) + 1;
      return;
    }
  });
  log(`first answers: ${JSON.stringify(warm.statuses)}, ${warm.retried} retried after a 503`);

  // 2. Each real player reads their own progress once: the API now holds it.
  const primed: Record<string, number> = {};
  await eachLimited(pairs, 16, async (p) => {
    const { status } = await get(`/v1/hunts/${p.slug}/players/${p.player_id}`);
    primed[status] = (primed[status] ?? 0) + 1;
  });
  await waitSettled(pool, [api.url], 120_000);
  const heldBefore = (await readyz()).progressHeld;
  log(`real players' progress read once: ${JSON.stringify(primed)}; /readyz progressHeld ${heldBefore}`);

  // PostgreSQL's counters of the bench's database. A backend reports its statistics when a
  // transaction ends at least a second after its last report, else once it has been idle for 10 s
  // (PostgreSQL 15 to 18: PGSTAT_MIN_INTERVAL, PGSTAT_IDLE_INTERVAL). So a pooled connection that
  // goes quiet holds its last counts for up to 10 s and reports them when it is next used: read
  // at a phase's edges, counts move between phases (a flood that wakes every idle connection of
  // the API's pool brings the end of phase A into phase B). Each phase is therefore counted
  // between settled readings, taken after SETTLE_MS without load: from just before its load
  // starts to SETTLE_MS after it ends, less the idle background over that tail (measured over an
  // idle window first). pg_stat_statements, where loaded, counts when a statement ends, with no
  // delay: it is read at the edges of the measured part as a cross-check.
  const SETTLE_MS = 12_000;
  stats = new pg.Client({ connectionString: db.url, application_name: 'bench-abuse-stats' });
  await stats.connect();
  const statsClient = stats;
  const pgss = await statsClient.query('create extension if not exists pg_stat_statements')
    .then(() => statsClient.query('select count(*) from pg_stat_statements')).then(() => true, () => false);
  log(pgss ? 'pg_stat_statements: loaded (a cross-check without reporting delay)' : 'pg_stat_statements: not loaded on this server (pg_stat_database only)');
  const counters = async (perStatement = false): Promise<Counters> => {
    // One transaction: the clear, then a fresh read.
    const results = await statsClient.query(`select pg_stat_clear_snapshot();
      select (select xact_commit + xact_rollback from pg_stat_database where datname = current_database())::float8 as statements,
             (select xact_rollback from pg_stat_database where datname = current_database())::float8 as rollbacks,
             (select coalesce(sum(idx_scan), 0) from pg_stat_user_indexes where relname = 'players' and indexrelname like '%token_hash%')::float8 as token_scans,
             (select coalesce(sum(idx_scan), 0) from pg_stat_user_indexes where relname = 'players' and indexrelname = 'players_pkey')::float8 as id_scans`) as unknown as pg.QueryResult[];
    const at = performance.now();
    const row = results[1]!.rows[0] as { statements: number; rollbacks: number; token_scans: number; id_scans: number };
    const statements = pgss ? (await statsClient.query<{ queryid: string; calls: number; query: string }>(
      `select queryid::text, calls::float8 as calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query
         from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`)).rows : [];
    return {
      at, statements: row.statements, rollbacks: row.rollbacks, tokenScans: row.token_scans, idScans: row.id_scans,
      calls: pgss ? statements.reduce((n, r) => n + r.calls, 0) : NaN,
      byStatement: perStatement ? new Map(statements.map((r) => [r.queryid, { calls: r.calls, query: r.query }])) : undefined,
    };
  };
  const settled = async () => { await sleep(SETTLE_MS); return counters(); };

  // The idle background (worker sweeps, the API's poll, pg-boss), between two settled readings.
  log(`machine busy ${(await waitForQuiet({ maxBusyCores: 0.5, timeoutMs: 30_000 })).toFixed(2)} cores (this bench's processes idle)`);
  log(`idle background: ${2 * SETTLE_MS / 1000} s without load...`);
  const idle0 = await settled();
  const idle1 = await settled();
  const idleSeconds = (idle1.at - idle0.at) / 1000;
  const background = {
    statements: (idle1.statements - idle0.statements) / idleSeconds,
    tokenScans: (idle1.tokenScans - idle0.tokenScans) / idleSeconds,
    idScans: (idle1.idScans - idle0.idScans) / idleSeconds,
  };
  log(`idle background: ${fmt.ratio(background.statements)} statements/s`);

  interface Phase {
    load: AnswerLoadResult;
    /** The measured part (after the warm-up), s. */
    seconds: number;
    /** From the settled reading before the load to the end of the load (warm-up included), s. */
    activeSeconds: number;
    /** pg_stat_database over the active window, per second (settled readings, idle tail removed). */
    statements: number; rollbacks: number; tokenScans: number; idScans: number;
    /** The same read at the edges of the measured part (as reported then), per second. */
    statementsAtEdges: number;
    /** pg_stat_statements calls per second over the measured part (NaN without it). */
    calls: number;
    batches: number;
    /** pg_stat_database and pg_stat_statements per second of the measured part, as reported. */
    perSecond: number[];
    callsPerSecond: number[];
    byStatement: Map<string, { calls: number; query: string }>;
    cores: { api: number; worker: number; postgres: number; load: number; flood: number; others: number; machine: number };
    flood?: FloodResult;
    /** The settled reading after the phase. */
    after: Counters;
  }
  const phase = async (name: string, withFlood: boolean, before: Counters): Promise<Phase> => {
    log(`phase ${name}: ${WARMUP} s warm-up, then ${SECONDS} s measured: real answers at ${RATE}/s${withFlood ? ` + the flood on ${CONNECTIONS} connections` : ''}...`);
    let start: Promise<[Counters, Awaited<ReturnType<typeof apiMetrics>>, Cpu]> | undefined;
    let floodRun: Promise<FloodResult> | undefined;
    const series: Counters[] = [];
    let timer: NodeJS.Timeout | undefined;
    const load = await runAnswerLoad({
      urls: [api.url], tokens, hunts, rate: RATE, seconds: SECONDS, warmupSeconds: WARMUP,
      mix: { correct: 0.3, repeat: 0.2 }, seed: withFlood ? 12 : 11,
    }, () => {
      if (withFlood) floodRun = flood!.go();
      start = Promise.all([counters(true), apiMetrics(), cpu()]);
      timer = setInterval(() => void counters().then((c) => series.push(c), () => undefined), 1000);
    });
    clearInterval(timer);
    const [c1, m1, cpu1] = await Promise.all([counters(true), apiMetrics(), cpu()]);
    const [c0, m0, cpu0] = await start!;
    const floodResult = floodRun ? await floodRun : undefined;
    const after = await settled();
    const seconds = (c1.at - c0.at) / 1000;
    const activeSeconds = (c1.at - before.at) / 1000;
    const tailSeconds = (after.at - c1.at) / 1000;
    const windowRate = (k: 'statements' | 'tokenScans' | 'idScans') => (after[k] - before[k] - background[k] * tailSeconds) / activeSeconds;
    const points = [c0, ...series.filter((c) => c.at > c0.at && c.at < c1.at), c1];
    const byStatement = new Map([...c1.byStatement!].map(([id, r]) => [id, { query: r.query, calls: (r.calls - (c0.byStatement!.get(id)?.calls ?? 0)) / seconds }]));
    const per = (k: 'api' | 'worker' | 'postgres' | 'bench') => (cpu1[k] - cpu0[k]) / seconds;
    const machineCores = ((cpu1.machineBusy - cpu0.machineBusy) / (cpu1.machineTotal - cpu0.machineTotal)) * os.availableParallelism();
    const loadCores = load.cpuSeconds / seconds;
    const floodCores = floodResult ? floodResult.cpuSeconds / seconds : 0;
    return {
      load, seconds, activeSeconds, after,
      statements: windowRate('statements'),
      rollbacks: (after.rollbacks - before.rollbacks) / activeSeconds,
      tokenScans: windowRate('tokenScans'),
      idScans: windowRate('idScans'),
      statementsAtEdges: (c1.statements - c0.statements) / seconds,
      calls: (c1.calls - c0.calls) / seconds,
      batches: (m1.batches - m0.batches) / seconds,
      perSecond: points.slice(1).map((c, i) => (c.statements - points[i]!.statements) / ((c.at - points[i]!.at) / 1000)),
      callsPerSecond: points.slice(1).map((c, i) => (c.calls - points[i]!.calls) / ((c.at - points[i]!.at) / 1000)),
      byStatement,
      cores: {
        api: per('api'), worker: per('worker'), postgres: per('postgres'), load: loadCores, flood: floodCores,
        others: machineCores - per('api') - per('worker') - per('postgres') - per('bench') - loadCores - floodCores,
        machine: machineCores,
      },
      flood: floodResult,
    };
  };

  // A shared machine: start each phase on a quiet one when possible (bounded), and say how busy it was.
  const quiet = async () => log(`machine busy ${(await waitForQuiet({ maxBusyCores: 0.5, timeoutMs: 30_000 })).toFixed(2)} cores (this bench's processes idle)`);
  const a = await phase('A (baseline)', false, idle1);
  await quiet();
  flood = await startFlood({
    url: api.url, connections: CONNECTIONS, seconds: SECONDS,
    hunts: hunts.map((h) => ({ slug: h.slug, clueIds: h.clues.map((c) => c.id) })),
  });
  // B's window starts at a settled reading taken after the flood process is up.
  const b = await phase('B (flood)', true, await settled());
  flood = undefined;

  // 3. After the flood: is every real player's progress still held? Read each once and count
  // the API's snapshot misses around it (nothing else reads meanwhile).
  await waitSettled(pool, [api.url], 120_000);
  const heldAfterFlood = (await readyz()).progressHeld;
  const before = await apiMetrics();
  const after1: Record<string, number> = {};
  await eachLimited(pairs, 16, async (p) => {
    const { status } = await get(`/v1/hunts/${p.slug}/players/${p.player_id}`);
    after1[status] = (after1[status] ?? 0) + 1;
  });
  const after = await apiMetrics();
  const evicted = after.miss - before.miss;
  const heldAfterReads = (await readyz()).progressHeld;

  const logs: string[] = [];
  for (const p of processes.splice(0).reverse()) {
    const code = await p.stop();
    if (code !== 0 || p.stderr().trim()) logs.push(`${p.name} exited with ${code}; its log ends:\n${p.stderr().slice(-1500)}`);
  }

  // Report.
  const failuresOf = (r: AnswerLoadResult) => r.errors + Object.entries(r.statuses).filter(([s]) => s !== '200').reduce((n, [, c]) => n + c, 0);
  const f = b.flood!;
  const floodSeconds = f.elapsedMs / 1000;
  const count = (kind: 'progress' | 'answer', status: string) => f.statuses[kind][status] ?? 0;
  const otherStatuses = Object.entries(f.statuses).flatMap(([kind, byStatus]) => Object.entries(byStatus)
    .filter(([s]) => !(kind === 'progress' ? ['404', '503'] : ['401', '503']).includes(s)).map(([s, n]) => `${kind} ${s}: ${n}`));
  const bad5xx = Object.values(f.statuses).flatMap((byStatus) => Object.entries(byStatus))
    .filter(([s]) => Number(s) >= 500 && s !== '503').reduce((n, [, c]) => n + c, 0);
  // The flood ran `floodSeconds` of B's active window: B's statements beyond A's rate, per second of flood.
  const perFloodSecond = (bRate: number, aRate: number) => ((bRate - aRate) * b.activeSeconds) / floodSeconds;
  const cost = perFloodSecond(b.statements, a.statements);
  const floodLookups = (count('progress', '404') + count('answer', '401')) / floodSeconds;
  const budgetMax = (BUDGET * SECONDS + 2 * BUDGET) / SECONDS;

  console.log(`\nPostgreSQL ${db.server}; ${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}; ${host.date}`);
  console.log(`${hunts.length} hunts x ${PLAYERS_PER_HUNT} players (${pairs.length} real players' progress held, ${tokens.length} distinct players answering), `
    + `${RATE} real answers/s, ${SECONDS} s per phase after ${WARMUP} s of warm-up, flood on ${CONNECTIONS} connections; `
    + `UNVERIFIED_LOOKUPS_PER_SECOND ${BUDGET} (burst ${BUDGET * 2}): at most ${fmt.ratio(budgetMax)} lookups/s over a phase\n`);
  const answersRow = (label: string, p: Phase) => [
    label, fmt.int(p.load.sent / SECONDS), fmt.ms(p.load.scheduledLatency.p50), fmt.ms(p.load.scheduledLatency.p99), fmt.ms(p.load.scheduledLatency.max),
    fmt.ms(p.load.latency.p99), failuresOf(p.load), fmt.ratio(p.statements), fmt.ratio(p.calls),
    `${fmt.ratio(p.tokenScans)} / ${fmt.ratio(p.idScans)}`, fmt.ratio(p.batches),
    p.flood ? fmt.int(p.flood.requests / (p.flood.elapsedMs / 1000)) : '0',
    [p.cores.api, p.cores.worker, p.cores.postgres, p.cores.load, p.cores.flood, p.cores.others, p.cores.machine].map(fmt.ratio).join(' / '),
  ];
  console.log(table(
    ['phase', 'real answers/s sent', 'p50 ms (from due time)', 'p99 ms', 'max ms', 'p99 ms from send', 'real answer errors',
      'statements/s (pg_stat_database)', 'statements/s (pg_stat_statements)', 'players index scans/s: token_hash / pkey', 'answer batches/s', 'flood req/s',
      'CPU cores: API / worker / PostgreSQL / real players / flood / others / machine'],
    [answersRow('A: real answers', a), answersRow('B: real answers + flood', b)]));
  console.log(`\nstatements/s (pg_stat_database): xact_commit + xact_rollback of the bench's database from a settled reading before the phase's load `
    + `(${SETTLE_MS / 1000} s without load before it) to one ${SETTLE_MS / 1000} s after it, less the idle background over that tail `
    + `(${fmt.ratio(background.statements)}/s), over the load's ${fmt.ratio(a.activeSeconds)} s (A) and ${fmt.ratio(b.activeSeconds)} s (B), warm-up included; `
    + `rollbacks/s A ${fmt.ratio(a.rollbacks)}, B ${fmt.ratio(b.rollbacks)}. `
    + `Read at the edges of the measured part instead (as reported then): A ${fmt.ratio(a.statementsAtEdges)}, B ${fmt.ratio(b.statementsAtEdges)}; per second:`);
  console.log(`  A: ${a.perSecond.map((n) => n.toFixed(0)).join(' ')}`);
  console.log(`  B: ${b.perSecond.map((n) => n.toFixed(0)).join(' ')}`);
  if (pgss) console.log(`pg_stat_statements calls per second: A ${a.callsPerSecond.map((n) => n.toFixed(0)).join(' ')}; B ${b.callsPerSecond.map((n) => n.toFixed(0)).join(' ')}`);
  if (pgss) {
    // Which statements the flood added or removed (pg_stat_statements, B - A per second).
    const ids = new Set([...a.byStatement.keys(), ...b.byStatement.keys()]);
    const diffs = [...ids].map((id) => ({
      query: (b.byStatement.get(id) ?? a.byStatement.get(id))!.query,
      a: a.byStatement.get(id)?.calls ?? 0, b: b.byStatement.get(id)?.calls ?? 0,
    })).filter((d) => Math.abs(d.b - d.a) >= 0.5).sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a)).slice(0, 10);
    console.log(`pg_stat_statements, B - A: ${fmt.ratio(b.calls - a.calls)} calls/s; the statements that moved most (calls/s A -> B):`);
    for (const d of diffs) console.log(`  ${d.a.toFixed(1).padStart(7)} -> ${d.b.toFixed(1).padStart(7)} (${d.b >= d.a ? '+' : ''}${(d.b - d.a).toFixed(1)})  ${d.query}`);
  }
  console.log(`real answers' statuses: A ${JSON.stringify(a.load.statuses)}, B ${JSON.stringify(b.load.statuses)}; transport errors A ${a.load.errors}, B ${b.load.errors}`
    + `${[...a.load.errorSamples, ...b.load.errorSamples].length ? ` (${[...a.load.errorSamples, ...b.load.errorSamples].join('; ')})` : ''}`);
  console.log(`replies: A ${a.load.outcomes.newFind} new finds, ${a.load.outcomes.alreadyFound} correct but already found, ${a.load.outcomes.wrong} wrong; `
    + `B ${b.load.outcomes.newFind}, ${b.load.outcomes.alreadyFound}, ${b.load.outcomes.wrong}`);
  console.log('\nThe flood (phase B):\n');
  console.log(table(
    ['requests', 'req/s', 'progress of random ids: 404 / 503', 'answers with made-up tokens: 401 / 503', 'other statuses', 'transport errors', 'connections opened', 'flood p50 / p99 ms', 'flood client CPU cores'],
    [[fmt.int(f.requests), fmt.int(f.requests / floodSeconds), `${fmt.int(count('progress', '404'))} / ${fmt.int(count('progress', '503'))}`,
      `${fmt.int(count('answer', '401'))} / ${fmt.int(count('answer', '503'))}`, otherStatuses.join(', ') || 'none',
      f.errors, fmt.int(f.connectionsOpened), `${fmt.ms(f.latency.p50)} / ${fmt.ms(f.latency.p99)}`, fmt.ratio(f.cpuSeconds / floodSeconds)]]));
  if (f.errorSamples.length) console.log(`flood transport errors: ${f.errorSamples.join('; ')}`);
  console.log(`flood responses per second: ${f.perSecond.join(' ')}`);
  console.log(`\nflood cost (pg_stat_database): (${fmt.ratio(b.statements)} - ${fmt.ratio(a.statements)}) statements/s x ${fmt.ratio(b.activeSeconds)} s / ${fmt.ratio(floodSeconds)} s of flood `
    + `= ${fmt.ratio(cost)} statements/s${pgss ? `; pg_stat_statements over the measured parts: ${fmt.ratio(b.calls - a.calls)} statements/s` : ''}; `
    + `the flood's own lookups (404 + 401 answered, one primary-key or token lookup each): ${fmt.ratio(floodLookups)}/s (the budget allows ${fmt.ratio(budgetMax)}/s over ${SECONDS} s); `
    + `players index scans per second of flood, B - A: token_hash ${fmt.ratio(perFloodSecond(b.tokenScans, a.tokenScans))}, pkey ${fmt.ratio(perFloodSecond(b.idScans, a.idScans))} `
    + `(pkey also serves the answers' foreign-key checks)`);
  console.log(`real players' first answers (before the phases): ${JSON.stringify(warm.statuses)}, ${warm.retried} retried after a 503`);
  console.log(`real players' progress: ${JSON.stringify(primed)} read before the flood, progressHeld ${heldBefore} before, ${heldAfterFlood} after the flood, `
    + `${heldAfterReads} after reading all again; read again after the flood: ${JSON.stringify(after1)}, ${evicted} of ${pairs.length} not held (snapshot misses)`);
  for (const [label, p] of [['A', a], ['B', b]] as const) {
    if (p.cores.others > 0.3) console.log(`note: other processes on this machine used ${fmt.ratio(p.cores.others)} cores during phase ${label} (of ${host.cores}): its latencies say as much about them as about the engine`);
  }
  for (const l of logs) console.log(`\n${l}`);

  const realFailures = failuresOf(b.load);
  const verdicts: [string, boolean][] = [
    [`real players' progress held before the flood (/readyz progressHeld ${heldBefore} >= ${pairs.length}, all ${pairs.length} reads 200)`,
      heldBefore >= pairs.length && primed['200'] === pairs.length],
    [`flood cost <= ${TARGET.floodStatementsPerSecond} statements/s (pg_stat_database, B - A: ${fmt.ratio(cost)}; ${fmt.int(f.requests / floodSeconds)} flood req/s)`, cost <= TARGET.floodStatementsPerSecond],
    [`flood answered 404 / 401 / 503 only, no other 5xx (${bad5xx} other 5xx${otherStatuses.length ? `; ${otherStatuses.join(', ')}` : ''})`, bad5xx === 0],
    [`real answers in phase B: no errors (${realFailures})`, realFailures === 0],
    [`real answers in phase B: p99 from due time < ${TARGET.p99Ms} ms (${fmt.ms(b.load.scheduledLatency.p99)} ms)`, b.load.scheduledLatency.p99 < TARGET.p99Ms],
    [`real players' progress evicted by the flood: 0 (${evicted} of ${pairs.length}; reads ${JSON.stringify(after1)})`, evicted === 0 && after1['200'] === pairs.length],
  ];
  console.log('');
  for (const [what, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  if (verdicts.some(([, ok]) => !ok)) process.exitCode = 1;
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
