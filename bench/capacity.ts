// `npm run bench:capacity -- [--seconds 8] [--rate 2000] [--streams 5000]`
// The per-core figures of docs/SCALING.md, re-measured on the machine it runs on, in under two
// minutes: what one API core serves (public reads, progress; requests per CPU-second of the API
// process, wrk from the other core), what answers cost per core of the API, the worker and
// PostgreSQL (CPU seconds from /proc over a fixed answer rate into one hot hunt: 2,000/s, as
// bench:spike measured SCALING's figures; batches grow with the rate, so a lower one costs more
// per answer), and the memory
// of an open event stream. Each is printed beside SCALING's figure with the ratio; the capacity
// model's sizing follows the figures, so a machine far off them needs its own arithmetic.
// The database: DATABASE_URL's server (on this machine, for PostgreSQL's CPU) or an embedded
// PostgreSQL with durable commits.
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { apiCaller } from './support/api-call.ts';
import { runAnswerLoad } from './support/answer-load.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { postmasterPid, serverCpuSeconds } from './support/postgres-process.ts';
import { cpuSeconds, residentMemory, spawnApi, waitForQuiet, type ServerProcess } from './support/processes.ts';
import { fmt, machine, positiveInt, sleep, table } from './support/report.ts';
import { seedAndPublish } from './support/seed.ts';
import { waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';
import { ensureWrk, runWrk, type LoadRequest } from './support/wrk.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '8' }, rate: { type: 'string', default: '2000' }, streams: { type: 'string', default: '5000' },
} });
const SECONDS = positiveInt('seconds', values.seconds);
const RATE = positiveInt('rate', values.rate);
const STREAMS = positiveInt('streams', values.streams);
const PREFIX = 'bc';
const HUNTS = 20;
// The API on CPU 0, wrk and the answer load on CPU 1 (when there are two).
const cores = os.availableParallelism();
const SERVER_CPU = cores >= 2 ? '0' : undefined;
const LOAD_CPU = cores >= 2 ? '1' : undefined;

/** docs/SCALING.md's figures ("Per core, measured" and "Memory, measured"): low and high ends. */
const SCALING = {
  publicReads: [20_000, 28_000],
  progressReads: [15_000, 20_000],
  apiAnswers: [4_500, 4_750], // 0.21-0.22 ms of API CPU per answer
  workerAnswers: [12_500, 14_250], // 0.07-0.08 ms
  postgresAnswers: [1_785, 1_850], // 0.54-0.56 ms
  streamKiB: [4.9, 4.9],
} as const;

const log = (msg: string) => console.log(`[bench:capacity] ${msg}`);
const started = performance.now();
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);
ensureWrk(log);

const db = await openDurableDatabase('capacity', log);
const processes: ServerProcess[] = [];
const streams: http.ClientRequest[] = [];
try {
  const postmaster = await postmasterPid(db.pool);
  const local = postmaster > 0 && serverCpuSeconds(postmaster) > 0;
  // 20 hunts of 200 ranked players (8,000 players with known tokens; the spike's hunt is answered by 2,000 of them).
  const data = await seedAndPublish(db.pool, { hunts: HUNTS, playersPerHunt: 200, prefix: PREFIX, knownTokens: true, seed: 9 }, log);
  const limits = { GUESS_MAX_PER_MINUTE: '1000000', GUESS_FREE_WRONG_PER_CLUE: '1000000' };
  const worker = await spawnWorker(db.url);
  processes.push(worker);
  const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), cpus: SERVER_CPU, env: limits });
  processes.push(api);
  await waitSettled(db.pool, [api.url], 120_000);
  // A shared machine: other work inflates CPU per request. Waits a bounded while for quiet, and says.
  const busyBefore = await waitForQuiet({ maxBusyCores: 0.3, timeoutMs: 20_000 });
  log(`the rest of the machine: ${busyBefore.toFixed(2)} cores busy before measuring`);

  // 1. Memory per open event stream: the API's resident memory before and after opening them, on
  // the fresh process (after a load, the heap's slack would absorb them), closed again after.
  await sleep(1000);
  const before = residentMemory(api.pid).rss;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  for (let i = 0; i < STREAMS; i += 500) {
    streams.push(...await Promise.all(Array.from({ length: Math.min(500, STREAMS - i) }, (_, j) => new Promise<http.ClientRequest>((resolve, reject) => {
      const req = http.get(`${api.url}/v1/hunts/${data.slugs[(i + j) % HUNTS]}/events`, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('error', () => undefined);
        if (res.statusCode === 200) resolve(req); else reject(new Error(`event stream: ${res.statusCode}`));
      });
      req.on('error', reject);
    }))));
  }
  await sleep(3000);
  const after = residentMemory(api.pid).rss;
  const streamKiB = (after - before) / STREAMS / 1024;
  for (const req of streams.splice(0)) req.destroy();
  await sleep(1000);


  // 2. Reads per API core: requests per CPU-second the API process spent serving them.
  const readsPerCore = async (requests: LoadRequest[]) => {
    // Once through first: every progress document held, as for players who read theirs.
    await runWrk({ baseUrl: api.url, requests, connections: 50, durationSeconds: 2, cpus: LOAD_CPU });
    const cpu0 = cpuSeconds(api.pid);
    const result = await runWrk({ baseUrl: api.url, requests, connections: 1000, durationSeconds: SECONDS, cpus: LOAD_CPU });
    const cpu = cpuSeconds(api.pid) - cpu0;
    if (result.errors > 0) log(`  read errors: ${result.errorDetail}`);
    return { rps: result.rps, perCore: result.requests / cpu, busy: cpu / result.seconds };
  };
  log(`reads: leaderboard top 50 of ${HUNTS} hunts, wrk 1,000 connections, ${SECONDS} s...`);
  const board = await readsPerCore(data.slugs.map((slug) => ({ path: `/v1/hunts/${slug}/leaderboard` })));
  const pairs = (await db.pool.query<{ slug: string; player_id: string }>(
    `select h.slug, c.competitor_id as player_id from competitors c join hunts h on h.id = c.hunt_id
      order by md5(c.competitor_id::text || h.slug) limit 1000`)).rows;
  log(`reads: 1,000 players' progress, ${SECONDS} s...`);
  const progress = await readsPerCore(pairs.map((p) => ({ path: `/v1/hunts/${p.slug}/players/${p.player_id}` })));

  // 3. Answers into one hot hunt at a fixed rate: CPU per answer of each part.
  const players = 2000;
  const hunt = await apiCaller(api.url)<{ slug: string; clues: { id: string; position: number }[] }>('POST', '/v1/admin/hunts', {
    slug: 'capacity-spike', title: 'Capacity spike', status: 'live',
    clues: Array.from({ length: 20 }, (_, i) => ({ title: `Clue ${i + 1}`, body: 'b', points: 10, answers: [`gold ${i + 1}`] })),
  });
  await waitSettled(db.pool, [api.url], 60_000);
  const cpu = () => ({ api: cpuSeconds(api.pid), worker: cpuSeconds(worker.pid), postgres: local ? serverCpuSeconds(postmaster) : NaN });
  let cpu0 = cpu();
  log(`answers: ${RATE}/s into one hunt from ${players} players, 3 s warm-up, ${SECONDS} s measured...`);
  const load = await runAnswerLoad({
    urls: [api.url], tokens: Array.from({ length: players }, (_, i) => `${PREFIX}-token-${i + 1}`), hunts: [hunt],
    rate: RATE, mix: { correct: 6 / 7, repeat: 0 }, warmupSeconds: 3, seconds: SECONDS, seed: 4,
  }, () => { cpu0 = cpu(); });
  const cpu1 = cpu();
  const answered = load.statuses['200'] ?? 0;
  const perCore = (part: 'api' | 'worker' | 'postgres') => load.sent / (cpu1[part] - cpu0[part]);
  await waitSettled(db.pool, [api.url], 60_000);

  const row = (what: string, measured: number, [low, high]: readonly [number, number], unit: string, from: string, detail = '') => {
    const number = (n: number) => (unit === 'KiB' ? n.toFixed(1) : fmt.int(n));
    const ratio = measured / ((low + high) / 2);
    const verdict = !Number.isFinite(measured) ? 'not measured' : measured >= low * 0.8 && measured <= high * 1.25 ? 'in line' : measured < low ? 'BELOW' : 'ABOVE';
    return [what, `${number(measured)} ${unit}${detail}`, `${low === high ? number(low) : `${number(low)}-${number(high)}`} ${unit}`, fmt.ratio(ratio), verdict, from];
  };
  console.log(`\nPer core and per stream on this machine against docs/SCALING.md (in line: within 0.8x the low end to 1.25x the high end)\n`);
  console.log(table(['figure', 'measured here', 'docs/SCALING.md', 'ratio', 'verdict', 'how'], [
    row('API: public reads (leaderboard top 50) per core', board.perCore, SCALING.publicReads, 'req/s',
      `wrk 1,000 keep-alive connections; ${fmt.int(board.rps)} req/s with the API ${fmt.pct(board.busy)} busy`),
    row('API: a player\'s progress per core', progress.perCore, SCALING.progressReads, 'req/s',
      `${fmt.int(progress.rps)} req/s, API ${fmt.pct(progress.busy)} busy`),
    row('API: answers per core', perCore('api'), SCALING.apiAnswers, 'answers/s',
      `${RATE}/s offered, ${fmt.int(answered / (load.elapsedMs / 1000))}/s answered, p99 ${fmt.ms(load.scheduledLatency.p99)} ms`, ` (${fmt.ms(1000 / perCore('api'))} ms each)`),
    row('worker: answers refreshed per core', perCore('worker'), SCALING.workerAnswers, 'answers/s', 'the same run', ` (${fmt.ms(1000 / perCore('worker'))} ms each)`),
    row('PostgreSQL: answers per core', perCore('postgres'), SCALING.postgresAnswers, 'answers/s',
      local ? 'the same run: the server\'s processes in /proc' : 'not measured: the server is not on this machine', local ? ` (${fmt.ms(1000 / perCore('postgres'))} ms each)` : ''),
    row('API memory per open event stream', streamKiB, SCALING.streamKiB, 'KiB',
      `${fmt.int(STREAMS)} streams: ${fmt.mb(before)} -> ${fmt.mb(after)} resident`),
  ]));
  const errors = load.errors + load.sent - answered;
  console.log(`\ndatabase ${db.server}, fsync=${db.settings.fsync}, synchronous_commit=${db.settings.synchronous_commit}; API on CPU ${SERVER_CPU ?? 'any'}, `
    + `load on CPU ${LOAD_CPU ?? 'any'}; ${busyBefore.toFixed(2)} cores busy with other work before measuring; answers: ${errors} errors; `
    + `${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  if (errors > 0) process.exitCode = 1;
} finally {
  for (const req of streams) req.destroy();
  for (const p of processes.reverse()) await p.stop();
  await db.close();
}
