// `npm run bench:soak -- [--minutes 10] [--readers 1000] [--read-rate 2000] [--players 200]
//   [--answer-rate 100] [--hunts 10] [--apis 1] [--warmup-minutes 2] [--sample-seconds 10]`
// A soak (issue 6): reads on many connections (hunts, hunt details, leaderboard pages, progress)
// and players answering at a steady rate, against spawned API and worker processes, for minutes.
// Checks: no errors; the memory of every process flat after warm-up (first sample after it
// against the highest later one, within 10%); and, once the system has settled, every hunt's
// served leaderboard (and the answering players' progress) equal to the ranking computed from the
// base tables by test/support/reference-ranking.ts.
import { execFileSync } from 'node:child_process';
import { deepStrictEqual } from 'node:assert';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { FORMAT_VERSION } from '../src/core/documents.ts';
import { freePort } from '../src/core/embedded-postgres.ts';
import { referenceRanking } from '../test/support/reference-ranking.ts';
import { runAnswerLoad } from './support/answer-load.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { sampleValue } from './support/metrics.ts';
import { runPacedReads } from './support/paced-reads.ts';
import { postmasterPid, serverCpuSeconds, serverPss } from './support/postgres-process.ts';
import { cpuSeconds, machineCpu, processTree, residentMemory, spawnApi, type ServerProcess } from './support/processes.ts';
import { seedAndPublish } from './support/seed.ts';
import { pendingWork, waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '10' }, readers: { type: 'string', default: '1000' },
  'read-rate': { type: 'string', default: '2000' }, players: { type: 'string', default: '200' },
  'answer-rate': { type: 'string', default: '100' }, hunts: { type: 'string', default: '10' },
  apis: { type: 'string', default: '1' }, 'warmup-minutes': { type: 'string' },
  'sample-seconds': { type: 'string', default: '10' },
} });
const SECONDS = Math.round(Number(values.minutes) * 60);
// Two minutes of warm-up, or a quarter of a short run.
const WARMUP_SECONDS = values['warmup-minutes'] !== undefined ? Number(values['warmup-minutes']) * 60 : Math.min(120, SECONDS / 4);
const SAMPLE_MS = Number(values['sample-seconds']) * 1000;
const PLAYERS = Number(values.players);
const PREFIX = 'soak';
const MIB = 1024 * 1024;
const EXTERNAL_DATABASE = process.env.DATABASE_URL !== undefined;

const db = await openDurableDatabase('soak');
const pool = db.pool;
const processes: ServerProcess[] = [];
try {
  const postmaster = await postmasterPid(pool);
  await seedAndPublish(pool, { hunts: Number(values.hunts), playersPerHunt: 200, prefix: PREFIX, knownTokens: true, seed: 6 });
  const worker = await spawnWorker(db.url);
  processes.push(worker);
  const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), processes: Number(values.apis) });
  processes.push(api);
  await waitSettled(pool, [api.url], 300_000);

  const hunts = (await pool.query<{ id: string; slug: string; clues: { id: string; position: number }[] }>(
    `select h.id, h.slug, json_agg(json_build_object('id', c.id, 'position', c.position) order by c.position) as clues
       from hunts h join clues c on c.hunt_id = h.id group by h.id order by h.slug`)).rows;
  const players = (await pool.query<{ id: string }>(
    `select p.id from generate_series(1, $2::int) as n join players p on p.handle = $1 || '_' || n order by n`, [PREFIX, PLAYERS])).rows.map((r) => r.id);
  // What 1000 readers poll: the hunt list, each hunt, its leaderboard pages (stored pages and a
  // window cut from the board), the progress of ranked players and of the answering ones.
  const paths = ['/v1/hunts'];
  for (const h of hunts) {
    paths.push(`/v1/hunts/${h.slug}`, `/v1/hunts/${h.slug}/leaderboard?limit=20&offset=10`);
    for (const offset of [0, 50, 100, 150]) paths.push(`/v1/hunts/${h.slug}/leaderboard?limit=50&offset=${offset}`);
    const ranked = (await pool.query<{ player_id: string }>('select competitor_id as player_id from competitors where hunt_id = $1 limit 40', [h.id])).rows;
    for (const r of ranked) paths.push(`/v1/hunts/${h.slug}/players/${r.player_id}`);
    for (const id of players.slice(0, 20)) paths.push(`/v1/hunts/${h.slug}/players/${id}`);
  }

  // Every SAMPLE_MS: memory of every process (API process(es) and worker RSS, PostgreSQL PSS); V8
  // heap in use (their /metrics) and the documents the API holds (bytes of published bodies), so
  // growth of memory can be set against growth of the data; the worker's backlog.
  interface Heap { used: number; committed: number }
  interface Sample { t: number; rss: Record<string, number>; heap: Record<string, Heap>; postgres: number; docs: number; docBytes: number; pending: Record<string, number> }
  const samples: Sample[] = [];
  const started = Date.now();
  const heapUsed = async (url: string): Promise<Heap> => {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const metric = (name: string) => sampleValue(text, name);
    // JavaScript objects plus Buffers (external): what the process itself holds; and the heap V8
    // has committed (in RSS whether used or not).
    return { used: metric('nodejs_heap_size_used_bytes') + metric('nodejs_external_memory_bytes'), committed: metric('nodejs_heap_size_total_bytes') };
  };
  const sample = async () => {
    const rss: Record<string, number> = {};
    // A process that died is missing from this sample (and fails the run through its clients).
    const read = (name: string, pid: number) => { try { rss[name] = residentMemory(pid).rss; } catch { /* gone */ } };
    const tree = processTree(api.pid);
    for (const pid of tree) read(pid === api.pid ? (tree.length > 1 ? 'api supervisor' : 'api') : `api ${pid}`, pid);
    read('worker', worker.pid);
    const none = { used: NaN, committed: NaN };
    const heap = { api: await heapUsed(api.url).catch(() => none), worker: await heapUsed(worker.url).catch(() => none) };
    const { rows: [data] } = await pool.query<{ docs: number; bytes: number }>(
      `select count(*)::int as docs, coalesce(sum(octet_length(body)), 0)::float8 as bytes
         from snapshot_documents where format_version = $1 and body is not null`, [FORMAT_VERSION]);
    const pending = await pendingWork(pool);
    const s: Sample = { t: (Date.now() - started) / 1000, rss, heap, postgres: serverPss(postmaster), docs: data!.docs, docBytes: data!.bytes, pending };
    samples.push(s);
    console.log(`[${s.t.toFixed(0).padStart(4)} s] RSS ${Object.entries(rss).map(([k, v]) => `${k} ${(v / MIB).toFixed(0)}`).join(', ')} MiB; `
      + `heap used+external (committed) api ${(heap.api.used / MIB).toFixed(0)} (${(heap.api.committed / MIB).toFixed(0)}), `
      + `worker ${(heap.worker.used / MIB).toFixed(0)} (${(heap.worker.committed / MIB).toFixed(0)}) MiB; postgres ${(s.postgres / MIB).toFixed(0)} MiB (PSS); `
      + `${s.docs} documents ${(s.docBytes / MIB).toFixed(1)} MiB; waiting for the worker ${JSON.stringify(pending)}`);
  };
  await sample();
  const timer = setInterval(() => { void sample().catch((err: Error) => console.log(`sample failed: ${err.message}`)); }, SAMPLE_MS);

  console.log(`soak: ${SECONDS} s, ${values.readers} reader connections at ~${values['read-rate']} reads/s over ${paths.length} paths, `
    + `${PLAYERS} players answering at ${values['answer-rate']} answers/s...`);
  const cpu = () => ({ api: cpuSeconds(api.pid), worker: cpuSeconds(worker.pid), postgres: serverCpuSeconds(postmaster), machine: machineCpu() });
  const cpu0 = cpu();
  const [reads, answers] = await Promise.all([
    runPacedReads({ baseUrl: api.url, paths, connections: Number(values.readers), rate: Number(values['read-rate']), seconds: SECONDS }),
    runAnswerLoad({
      urls: [api.url], tokens: players.map((_, i) => `${PREFIX}-token-${i + 1}`), hunts,
      rate: Number(values['answer-rate']), seconds: SECONDS, mix: { correct: 0.4, repeat: 0.2 }, seed: 3,
    }),
  ]);
  const cpu1 = cpu();
  clearInterval(timer);
  await sample();

  const settleStarted = Date.now();
  await waitSettled(pool, [api.url], 300_000);
  const settleMs = Date.now() - settleStarted;
  // Served standings against the base tables, hunt by hunt.
  let mismatches = 0;
  let compared = 0;
  const firstDiff: string[] = [];
  const get = async (p: string) => (await fetch(api.url + p)).json() as Promise<Record<string, unknown>>;
  for (const h of hunts) {
    const reference = await referenceRanking(pool, h.id);
    const served: unknown[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await get(`/v1/hunts/${h.slug}/leaderboard?limit=100&offset=${offset}`);
      served.push(...(page.entries as unknown[]));
      if (offset + 100 >= (page.total as number)) break;
    }
    const checks: [string, unknown, unknown][] = [[`leaderboard of ${h.slug}`, served, reference.entries]];
    for (const id of players) {
      const { playerId, handle, rank, points, cluesFound, finds } = await get(`/v1/hunts/${h.slug}/players/${id}`);
      const expected = reference.progress.get(id);
      checks.push([`progress of ${id} in ${h.slug}`, { playerId, handle, rank, points, cluesFound, finds },
        expected ?? { playerId: id, handle, rank: null, points: 0, cluesFound: 0, finds: [] }]);
    }
    for (const [what, actual, expected] of checks) {
      compared++;
      try {
        deepStrictEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expected)));
      } catch (err) {
        mismatches++;
        if (firstDiff.length < 3) firstDiff.push(`${what}: ${(err as Error).message.slice(0, 800)}`);
      }
    }
  }

  for (const p of processes.splice(0)) {
    const code = await p.stop();
    if (code !== 0) console.log(`${p.name} exited with ${code}; its log ends:\n${p.stderr().slice(-1500)}`);
  }

  // Memory: the first sample after the warm-up against the highest later one.
  const baseline = samples.find((s) => s.t >= WARMUP_SECONDS) ?? samples.at(-1)!;
  const later = samples.filter((s) => s.t > baseline.t);
  const memory = Object.keys(baseline.rss).map((name) => {
    const base = baseline.rss[name]!;
    const max = Math.max(base, ...later.map((s) => s.rss[name] ?? 0));
    return { name, base, max, growth: max / base - 1 };
  });
  const pgBase = baseline.postgres;
  const pgMax = Math.max(pgBase, ...later.map((s) => s.postgres));
  const end = samples.at(-1)!;
  const heapOf = (name: string) => {
    if (name !== 'api' && name !== 'worker') return '- | -';
    const committed = Math.max(...later.map((s) => s.heap[name]!.committed));
    return `${(baseline.heap[name]!.used / MIB).toFixed(1)} → ${(end.heap[name]!.used / MIB).toFixed(1)} MiB | `
      + `${(baseline.heap[name]!.committed / MIB).toFixed(1)} → ${(committed / MIB).toFixed(1)} MiB`;
  };

  const readErrors = Object.entries(reads.statuses).filter(([s]) => s !== '200' && s !== '304').reduce((n, [, c]) => n + c, 0)
    + Object.values(reads.socketErrors).reduce((a, b) => a + b, 0);
  const answerErrors = answers.errors + Object.entries(answers.statuses).filter(([s]) => !['200', '201', '409', '429'].includes(s)).reduce((n, [, c]) => n + c, 0);
  const cpuModel = (() => { try { return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim(); } catch { return undefined; } })()
    ?? os.cpus()[0]?.model;

  const lines = [
    `Command: \`npm run bench:soak -- --minutes ${values.minutes}\`${EXTERNAL_DATABASE ? ' (DATABASE_URL set)' : ''}; ${new Date().toISOString().slice(0, 10)}; `
      + `${cpuModel}, ${os.cpus().length} cores; PostgreSQL ${db.server} (fsync=${db.settings.fsync}, synchronous_commit=${db.settings.synchronous_commit}); `
      + `${hunts.length} hunts x 200 ranked players; ${values.apis} API process(es) and 1 worker, default settings.`,
    '',
    '| load | requests | per second | p50 | p99 | max | statuses | errors |',
    '|---|---|---|---|---|---|---|---|',
    `| reads, ${values.readers} connections (wrk), ${paths.length} paths | ${reads.requests} | ${Math.round(reads.requests / reads.seconds)} | ${reads.p50.toFixed(1)} ms | ${reads.p99.toFixed(1)} ms | ${reads.max.toFixed(1)} ms | ${JSON.stringify(reads.statuses)} | ${readErrors} (socket ${JSON.stringify(reads.socketErrors)}) |`,
    `| answers, ${PLAYERS} players | ${answers.sent} | ${Math.round(answers.sent / (answers.elapsedMs / 1000))} | ${answers.latency.p50.toFixed(1)} ms | ${answers.latency.p99.toFixed(1)} ms | ${answers.latency.max.toFixed(1)} ms | ${JSON.stringify(answers.statuses)} | ${answerErrors} |`,
    '',
    `Answers sent: ${answers.byKind.correct} correct, ${answers.byKind.wrong} wrong, ${answers.byKind.repeat} repeated; replies: ${answers.outcomes.newFind} new finds, `
      + `${answers.outcomes.alreadyFound} already found, ${answers.outcomes.wrong} wrong; 429s (guess limits at their defaults): ${answers.statuses['429'] ?? 0}.`,
    '',
    `CPU over the soak, % of one core (2 cores = 200%): ${[
      ['API', cpu1.api - cpu0.api], ['worker', cpu1.worker - cpu0.worker], ['PostgreSQL', cpu1.postgres - cpu0.postgres],
      ['wrk', reads.generatorCpu], ['answer load', answers.cpuSeconds], ['whole machine', cpu1.machine.busy - cpu0.machine.busy],
    ].map(([k, s]) => `${k} ${Math.round((100 * (s as number)) / SECONDS)}%`).join(', ')}.`,
    `Slowest answer per 10 s: ${Array.from({ length: Math.ceil(answers.perSecondMax.length / 10) }, (_, i) => Math.max(0, ...answers.perSecondMax.slice(i * 10, i * 10 + 10)).toFixed(0)).join(', ')} ms.`,
    '',
    `Memory (sampled every ${SAMPLE_MS / 1000} s; baseline = first sample after ${WARMUP_SECONDS} s of warm-up, at ${baseline.t.toFixed(0)} s):`,
    '',
    '| process | baseline | highest later | growth | V8 heap used + Buffers, baseline → end | V8 heap committed, baseline → highest |',
    '|---|---|---|---|---|---|',
    ...memory.map((m) => `| ${m.name} (RSS) | ${(m.base / MIB).toFixed(1)} MiB | ${(m.max / MIB).toFixed(1)} MiB | ${(100 * m.growth).toFixed(1)}% | ${heapOf(m.name)} |`),
    `| PostgreSQL, all processes (PSS, not judged) | ${(pgBase / MIB).toFixed(1)} MiB | ${(pgMax / MIB).toFixed(1)} MiB | ${(100 * (pgMax / pgBase - 1)).toFixed(1)}% | - | - |`,
    '',
    `Data meanwhile (documents the API holds: every published one, players' progress only once read): ${baseline.docs} documents, ${(baseline.docBytes / MIB).toFixed(1)} MiB of bodies at the baseline → `
      + `${end.docs}, ${(end.docBytes / MIB).toFixed(1)} MiB at the end (${(100 * (end.docBytes / baseline.docBytes - 1)).toFixed(1)}%).`,
    '',
    `Settled ${(settleMs / 1000).toFixed(1)} s after the load stopped; ${compared} served documents (every hunt's leaderboard, `
      + `the progress of the ${PLAYERS} answering players in every hunt) compared with the reference ranking: ${mismatches} differ.`,
  ];
  console.log(`\n${lines.join('\n')}`);
  for (const d of firstDiff) console.log(d);
  const verdicts: [string, boolean][] = [
    [`no read errors (${readErrors})`, readErrors === 0],
    [`no answer errors (${answerErrors}; 429s counted apart)`, answerErrors === 0],
    ...memory.map((m): [string, boolean] => [`${m.name} memory flat within 10% after warm-up (${(100 * m.growth).toFixed(1)}%)`, m.growth <= 0.1]),
    [`served standings equal the base tables (${mismatches} of ${compared} differ)`, mismatches === 0],
  ];
  console.log('');
  for (const [what, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  if (verdicts.some(([, ok]) => !ok)) process.exitCode = 1;
} finally {
  for (const p of processes) await p.stop();
  await db.close();
}
