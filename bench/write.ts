// `npm run bench:write -- [--players 500] [--rate 2000] [--seconds 30] [--warmup 5] [--hunts 10]
//   [--apis 1] [--pool 10] [--profile] [--perf] [--statements]`
// The write path end to end: answer submissions from many players at once (new correct, new wrong
// and repeated guesses) against spawned API processes and a worker, on a durable database of its
// own. Afterwards every acknowledged new find is checked against finds (and no score event written). Prints a
// table and PASS/FAIL per target (issue 5: 2,000 answers/s, p99 < 50 ms, nothing lost or doubled),
// and what the CPU went to: per process, PostgreSQL's per client, its backends' wait events;
// --profile adds V8 CPU profiles of the API and the worker, --perf a machine-wide `perf` profile (Linux perf),
// --statements PostgreSQL's statements by time spent (pg_stat_statements; embedded server only).
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { runAnswerLoad, type AnswerLoadResult } from './support/answer-load.ts';
import { scrapeHistogram } from './support/metrics.ts';
import { summarizeProfile } from './support/cpu-profile.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { samplePgActivity } from './support/pg-sampler.ts';
import { postmasterPid, serverCpuSeconds } from './support/postgres-process.ts';
import { cpuSeconds, machineCpu, spawnApi, type ServerProcess } from './support/processes.ts';
import { seedAndPublish } from './support/seed.ts';
import { waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  players: { type: 'string', default: '500' }, rate: { type: 'string', default: '2000' },
  seconds: { type: 'string', default: '30' }, warmup: { type: 'string', default: '5' },
  hunts: { type: 'string', default: '10' }, apis: { type: 'string', default: '1' },
  pool: { type: 'string', default: '10' }, profile: { type: 'boolean', default: false },
  perf: { type: 'boolean', default: false }, statements: { type: 'boolean', default: false },
} });
const PLAYERS = Number(values.players);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const TARGET = { rate: 2000, p99Ms: 50 };
const PREFIX = 'bw';
const PROFILE_DIR = '.bench/profiles';

const db = await openDurableDatabase('write', console.log,
  values.statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' } : {});
const pool = db.pool;
const processes: ServerProcess[] = [];
try {
  const postmaster = await postmasterPid(pool);
  // 200 ranked players per hunt; seedAndPublish makes 40 times as many players, all with known tokens.
  await seedAndPublish(pool, { hunts: Number(values.hunts), playersPerHunt: 200, prefix: PREFIX, knownTokens: true, seed: 5 });

  // Limits raised so the load measures the write path, not the abuse limits (429s still counted).
  const apiEnv = { GUESS_MAX_PER_MINUTE: '1000000', GUESS_FREE_WRONG_PER_CLUE: '1000000', DB_POOL_MAX: values.pool! };
  if (values.profile) await rm(PROFILE_DIR, { recursive: true, force: true });
  await mkdir(PROFILE_DIR, { recursive: true });
  const worker = await spawnWorker(db.url, {}, values.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-name=worker.cpuprofile'] : []);
  processes.push(worker);
  const api = await spawnApi({
    databaseUrl: db.url, port: await freePort(), processes: Number(values.apis), env: apiEnv,
    nodeArgs: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [],
  });
  processes.push(api);
  await waitSettled(pool, [api.url], 300_000);

  const hunts = (await pool.query<{ slug: string; clues: { id: string; position: number }[] }>(
    `select h.slug, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues
       from hunts h join clues c on c.hunt_id = h.id group by h.slug order by h.slug`)).rows;
  const playerIds = (await pool.query<{ id: string }>(
    `select p.id from generate_series(1, $2::int) as n join players p on p.handle = $1 || '_' || n order by n`, [PREFIX, PLAYERS])).rows.map((r) => r.id);
  const before = new Set((await pool.query<{ k: string }>(`select player_id || '|' || clue_id as k from finds`)).rows.map((r) => r.k));
  const eventsBefore = (await pool.query<{ n: number }>('select count(*)::int as n from score_events')).rows[0]!.n;

  const spec = {
    urls: [api.url], tokens: playerIds.map((_, i) => `${PREFIX}-token-${i + 1}`), hunts,
    rate: RATE, mix: { correct: 0.4, repeat: 0.2 },
  };
  if (values.statements) await pool.query('create extension if not exists pg_stat_statements');
  const scrape = async () => ({
    refreshes: await scrapeHistogram(`${worker.url}/metrics`, 'treasure_refresh_duration_seconds', (l) => l.queue === 'refresh-hunt'),
    documents: await scrapeHistogram(`${worker.url}/metrics`, 'treasure_refresh_documents', (l) => l.queue === 'refresh-hunt'),
    batches: await scrapeHistogram(`${api.url}/metrics`, 'treasure_answer_batch_size', () => true),
  });
  const cpu = (load: number) => {
    const own = process.cpuUsage();
    return {
      api: cpuSeconds(api.pid), worker: cpuSeconds(worker.pid), postgres: serverCpuSeconds(postmaster), load,
      bench: (own.user + own.system) / 1e6, machine: machineCpu(),
    };
  };
  // Everything measured starts when the load generator's warm-up ends (told by onMeasuring).
  let cpu0 = cpu(0);
  let cpuStarted = performance.now();
  let measuring: Promise<[Awaited<ReturnType<typeof scrape>>, Awaited<ReturnType<typeof samplePgActivity>>, unknown]> | undefined;
  let perf: ReturnType<typeof spawn> | undefined;
  console.log(`${values.warmup} s warm-up, then measuring: ${PLAYERS} players, ${RATE > 0 ? `${RATE} answers/s offered` : 'closed loop'}, ${SECONDS} s...`);
  const result: AnswerLoadResult = await runAnswerLoad({ ...spec, warmupSeconds: Number(values.warmup), seconds: SECONDS, seed: 2 }, () => {
    cpu0 = cpu(0);
    cpuStarted = performance.now();
    measuring = Promise.all([
      scrape(),
      samplePgActivity(db.url, postmaster),
      values.statements ? pool.query('select pg_stat_statements_reset()') : undefined,
    ]);
    perf = values.perf
      ? spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-a', '-g', '-o', '.bench/perf.data', '--', 'sleep', String(SECONDS)], { stdio: 'ignore' })
      : undefined;
  });
  const cpu1 = cpu(result.cpuSeconds);
  const wall = (performance.now() - cpuStarted) / 1000;
  const [scraped0, sampler] = await measuring!;
  const waits = await sampler.stop();
  const scraped1 = await scrape();
  const statements = values.statements ? (await pool.query<{ calls: number; total_ms: number; mean_ms: number; query: string }>(
    `select calls, round(total_exec_time)::float8 as total_ms, round((total_exec_time / calls)::numeric, 3)::float8 as mean_ms,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc limit 12`)).rows : [];
  const profiler = perf as ReturnType<typeof spawn> | undefined; // assigned in the callback above
  if (profiler && profiler.exitCode === null) await new Promise((r) => profiler.once('exit', r));
  const acknowledged = result.acknowledged;
  const settleMs = await waitSettled(pool, [api.url], 300_000);

  // Integrity: each acknowledged new find exists exactly once in finds (the ledger's entry for its
  // points: answers write no score event here), and each find made during the run was acknowledged.
  const finds = new Map((await pool.query<{ k: string; points: number }>(
    `select player_id || '|' || clue_id as k, points from finds`)).rows.filter((r) => !before.has(r.k)).map((r) => [r.k, r.points]));
  const eventsAfter = (await pool.query<{ n: number }>('select count(*)::int as n from score_events')).rows[0]!.n;
  const acked = new Map<string, number>();
  for (const [p, clue] of acknowledged) { const k = `${playerIds[p]}|${clue}`; acked.set(k, (acked.get(k) ?? 0) + 1); }
  const problems = {
    ackedTwice: [...acked.values()].filter((n) => n > 1).length,
    ackedNotInFinds: [...acked.keys()].filter((k) => !finds.has(k)).length,
    findsNotAcked: [...finds.keys()].filter((k) => !acked.has(k)).length,
    eventsWritten: eventsAfter - eventsBefore,
  };

  for (const p of processes.splice(0)) {
    const code = await p.stop();
    if (code !== 0 || p.stderr().trim()) console.log(`${p.name} exited with ${code}; its log ends:\n${p.stderr().slice(-1500)}`);
  }

  const okAnswers = result.statuses['200'] ?? 0;
  const rate429 = result.statuses['429'] ?? 0;
  const failures = result.errors + Object.entries(result.statuses).filter(([s]) => s !== '200' && s !== '429').reduce((n, [, c]) => n + c, 0);
  const throughput = okAnswers / (result.elapsedMs / 1000);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const d = (k: keyof typeof cpu0) => (cpu1[k] as number) - (cpu0[k] as number);
  const machineBusy = cpu1.machine.busy - cpu0.machine.busy;

  console.log(`\nPostgreSQL ${db.server}, ${os.cpus()[0]?.model ?? ''}, ${os.cpus().length} cores; fsync=${db.settings.fsync}, synchronous_commit=${db.settings.synchronous_commit}`);
  console.log(`${PLAYERS} players, ${values.apis} API process(es), DB_POOL_MAX=${values.pool}, ${RATE > 0 ? `${RATE}/s offered` : 'closed loop'}, ${SECONDS} s measured\n`);
  console.log('| answers/s | p50 | p90 | p99 | max | p99 from schedule | errors | 429s | correct | wrong | repeated |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(`| ${Math.round(throughput)} | ${ms(result.latency.p50)} | ${ms(result.latency.p90)} | ${ms(result.latency.p99)} | ${ms(result.latency.max)} | ${ms(result.scheduledLatency.p99)} | ${failures} | ${rate429} | ${result.byKind.correct} | ${result.byKind.wrong} | ${result.byKind.repeat} |`);
  if (RATE > 0) console.log(`\nsent ${result.sent} of the ${RATE * SECONDS} answers scheduled (a player whose previous answer is still out waits for it)`);
  console.log(`replies: ${result.outcomes.newFind} new finds, ${result.outcomes.alreadyFound} correct but already found, ${result.outcomes.wrong} wrong; statuses ${JSON.stringify(result.statuses)}`);
  if (result.errorSamples.length) console.log(`transport errors: ${result.errorSamples.join('; ')}`);
  console.log(`integrity (warm-up + run, ${acked.size} acknowledged new finds, ${finds.size} new finds in the database): ${JSON.stringify(problems)}`);
  console.log(`worker settled ${(settleMs / 1000).toFixed(1)} s after the load ended`);
  console.log(`answers completed / slowest (ms) per second: ${result.perSecond.map((n, i) => `${n}/${(result.perSecondMax[i] ?? 0).toFixed(0)}`).join(' ')}`);
  const parts = (['api', 'worker', 'postgres', 'load', 'bench'] as const).map((k) => [k, d(k)] as const);
  const others = machineBusy - parts.reduce((sum, [, s]) => sum + s, 0);
  console.log(`\nCPU over ${wall.toFixed(1)} s (core-seconds, % of one core): `
    + [...parts, ['everything else', others] as const].map(([k, s]) => `${k} ${s.toFixed(1)} (${Math.round((100 * s) / wall)}%)`).join(', ')
    + `; machine busy ${Math.round((100 * machineBusy) / (cpu1.machine.total - cpu0.machine.total))}% of ${os.cpus().length} cores`
    + ' (load: the load generator; bench: this process, seeding aside: the pg_stat_activity sampler)');
  const delta = (k: keyof typeof scraped0) => ({ count: scraped1[k].count - scraped0[k].count, sum: scraped1[k].sum - scraped0[k].sum });
  const [refreshes, documents, batches] = [delta('refreshes'), delta('documents'), delta('batches')];
  console.log(`worker: ${refreshes.count} hunt refreshes (${(refreshes.count / wall).toFixed(0)}/s, mean ${(1000 * refreshes.sum / refreshes.count).toFixed(1)} ms, `
    + `${(documents.sum / refreshes.count).toFixed(1)} documents written each); API: ${batches.count} answer batches, ${(batches.sum / batches.count).toFixed(1)} answers each on average`);
  console.log(`PostgreSQL CPU by client (s): ${waits.cpuByClient.map(([k, s]) => `${k} ${s.toFixed(1)}`).join(', ')}`);
  console.log(`PostgreSQL backends of this database over ${waits.samples} samples (client state: wait event, count): `
    + waits.waits.map(([k, n]) => `${k} ${n}`).join(', '));
  if (statements.length) {
    console.log('\nPostgreSQL statements by total time (pg_stat_statements, top level):');
    for (const st of statements) console.log(`  ${String(st.total_ms).padStart(7)} ms  ${String(st.calls).padStart(7)} calls  ${st.mean_ms.toFixed(3)} ms  ${st.query}`);
  }
  for (const file of values.profile ? await readdir(PROFILE_DIR) : []) {
    const summary = summarizeProfile(`${PROFILE_DIR}/${file}`, 12);
    console.log(`\n${file} (V8 CPU profile of the whole process, ${summary.totalSamples} samples), self time:`);
    for (const f of summary.functions) console.log(`  ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
    console.log(`  by module: ${summary.modules.slice(0, 8).map((m) => `${m.name} ${(100 * m.share).toFixed(1)}%`).join(', ')}`);
  }

  if (perf) {
    // Whole machine: which programs (and kernel) took the CPU, then PostgreSQL's own functions.
    const report = (args: string[]) => execFileSync('perf', ['report', '-i', '.bench/perf.data', '--no-children', '--stdio', '-g', 'none', ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 }).split('\n').filter((l) => /^\s+\d/.test(l));
    console.log(`\nperf, whole machine by program and library:\n${report(['--sort', 'comm,dso']).slice(0, 12).join('\n')}`);
    console.log(`perf, PostgreSQL's hottest functions:\n${report(['--comm', 'postgres', '--sort', 'sym']).slice(0, 15).join('\n')}`);
  }

  const integrityOk = Object.values(problems).every((n) => n === 0) && result.errors === 0;
  const verdicts: [string, boolean][] = [
    // Answers/s over the whole run falls a hair short of the offered rate (the last answers return
    // after the schedule ends): the target is met when every scheduled answer was sent on time and
    // answered, at an offered rate of at least the target.
    [`sustains >= ${TARGET.rate} answers/s (${RATE > 0 ? `${RATE}/s offered, ${result.sent} of ${RATE * SECONDS} scheduled sent, ` : 'closed loop, '}${okAnswers} answered; ${Math.round(throughput)}/s over the run)`,
      RATE >= TARGET.rate ? result.sent >= RATE * SECONDS && okAnswers === result.sent : throughput >= TARGET.rate],
    [`p99 < ${TARGET.p99Ms} ms (${ms(result.latency.p99)})`, result.latency.p99 < TARGET.p99Ms],
    [`no errors (${failures})`, failures === 0],
    ['no lost, double-counted or unacknowledged finds', integrityOk],
  ];
  console.log('');
  for (const [what, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  if (verdicts.some(([, ok]) => !ok)) process.exitCode = 1;
} finally {
  for (const p of processes) await p.stop();
  await db.close();
}
