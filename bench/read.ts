// `npm run bench:read -- [--quick] [--rounds 3] [--duration 10] [--connections 1000] [--low-connections 100]
//                        [--hunts 200] [--players 500] [--timeout 2] [--game-model] [--cpu-prof]`
// The read path under load. Each run starts its own database (DATABASE_URL's server, or an
// embedded one), seeds hunts of ranked players, publishes them with the worker's full rebuild,
// then starts every server as a separate process and loads them with wrk from another process:
// servers pinned to CPU 0, wrk to CPU 1. Variants are interleaved round by round, so a noisy
// neighbour hits them all alike; the table shows medians over rounds. Then autocannon offers a
// fixed load of half the measured maximum for latency, memory is measured, and the targets are
// checked. The players' own view (GET /v1/me/hunts/:slug with a seeded player's bearer token) is a
// variant beside the public leaderboard; --game-model seeds a quarter of the hunts as team hunts,
// with unlock rules and hints in every hunt (own views of team members among them).
// The hunt page (/hunts/:slug, HTML made once per version of its documents: detail, leaderboard,
// feed) is a variant too, as wrk asks (no compression) and as browsers ask (gzip).
// --cpu-prof profiles the pinned API over the whole run and prints where its time went.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { runAutocannon, runSpreadFixedRate } from './support/autocannon.ts';
import { summarizeProfiles } from './support/cpu-profile.ts';
import { openBenchDatabase } from './support/database.ts';
import { inspect, type MemoryUsage } from './support/inspector.ts';
import { combine, difference, emptyHistogram, parseHistogram, quantile, sampleValue, scrapeHistogram, type HistogramSnapshot, type Labels } from './support/metrics.ts';
import {
  allProcessTicks, busiestBetween, cpuSeconds, listenOverflows, machineCpu, processTree, residentMemory, spawnApi, spawnServer,
  waitAllReady, waitForQuiet, watchAcceptQueue, type ServerProcess,
} from './support/processes.ts';
import { fmt, machine, median, table } from './support/report.ts';
import { seedAndPublish } from './support/seed.ts';
import { ensureWrk, runWrk, type LoadRequest, type LoadResult } from './support/wrk.ts';

const { values } = parseArgs({ options: {
  quick: { type: 'boolean', default: false },
  rounds: { type: 'string' }, duration: { type: 'string' },
  connections: { type: 'string' }, 'low-connections': { type: 'string' },
  hunts: { type: 'string' }, players: { type: 'string' }, timeout: { type: 'string' },
  'cpu-prof': { type: 'boolean', default: false },
  'game-model': { type: 'boolean', default: false },
} });
const quick = values.quick!;
const int = (raw: string | undefined, fallback: number) => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${raw}`);
  return n;
};
const settings = {
  hunts: int(values.hunts, quick ? 20 : 200),
  players: int(values.players, 500),
  rounds: int(values.rounds, quick ? 1 : 3),
  duration: int(values.duration, quick ? 3 : 10),
  connections: int(values.connections, 1000),
  lowConnections: int(values['low-connections'], 100),
  /** wrk's per-request timeout in seconds (wrk's default): slower answers count as errors. */
  timeout: int(values.timeout, 2),
  /** Team hunts (the last quarter), unlock rules and hints in the seeded data. */
  gameModel: values['game-model']!,
};
const cores = os.availableParallelism();
// Servers on CPU 0, the load generator on CPU 1: neither steals the other's core.
const SERVER_CPU = cores >= 2 ? '0' : undefined;
const LOAD_CPU = cores >= 2 ? '1' : undefined;
/** Explicitly every CPU: children would otherwise inherit this process's pinning. */
const ANY_CPU = `0-${cores - 1}`;
const OWN_ROUTE = '/v1/me/hunts/:slug';
const PAGE_ROUTE = '/hunts/:slug';
const SEED_PREFIX = 'bench';
const SNAPSHOT_ROUTES = new Set(['/v1/hunts', '/v1/hunts/:slug', '/v1/hunts/:slug/leaderboard', '/v1/hunts/:slug/players/:playerId']);
const HISTOGRAM = 'treasure_http_request_duration_seconds';
const QUIET = 0.25; // busy cores of the rest of the machine below which a run may start
const NOISY = 0.35; // other processes' cores during a run above which it is run again (not for the live query: that is the database)
const RETRIES = 3;

const log = (msg: string) => console.log(`[bench:read] ${msg}`);
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);
log(`settings: ${JSON.stringify(settings)}${SERVER_CPU === undefined ? ' (fewer than 2 cores: nothing pinned)' : ''}`);
ensureWrk(log);

type Kind = 'raw' | 'snapshot' | 'own' | 'page' | 'live' | 'processes';
interface Variant {
  key: string;
  label: string;
  kind: Kind;
  server: ServerProcess;
  requests: LoadRequest[];
  /** wrk's CPUs (a taskset list). */
  loadCpus: string | undefined;
  threads: number;
  connections: number[];
}
interface Run extends LoadResult {
  round: number;
  key: string;
  connections: number;
  serverCores: number;
  generatorCores: number;
  otherCores: number;
  /** Busy cores on the machine just before the run (after waiting for quiet). */
  busyBefore: number;
  overflows: number;
  /** The listener's accept queue: its peak, and until when (ms into the run) it held connections. */
  acceptPeak: number;
  acceptQueuedMs: number;
  /** The busiest processes during the run, the server and wrk included ("name(pid) cores"). */
  busiest: string[];
  handler?: HistogramSnapshot;
}

const db = await openBenchDatabase('read', log);
const servers: ServerProcess[] = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-read-'));
let cleaning: Promise<void> | undefined;
const cleanUp = () => cleaning ??= (async () => {
  for (const s of servers.reverse()) await s.stop().catch(() => undefined);
  await db.close();
  rmSync(scratch, { recursive: true, force: true });
})();
// Interrupted: still stop the servers and drop the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
try {
  // Known tokens (`bench-token-<n>`): the own view is read as seeded players. They exist before any
  // API process starts, so each API holds them all (player-directory.ts): no token costs a lookup.
  const data = await seedAndPublish(db.pool, {
    hunts: settings.hunts, playersPerHunt: settings.players, prefix: SEED_PREFIX, knownTokens: true,
    ...(settings.gameModel ? { teamHunts: Math.max(1, Math.floor(settings.hunts / 4)), rules: true, hints: true } : {}),
  }, log);
  const { slugs } = data;
  const deepOffset = Math.min(400, Math.floor((settings.players - 1) / 50) * 50);
  const pairs = (await db.pool.query<{ slug: string; player_id: string }>(
    // Players' progress only: a team hunt's competitors are teams (no progress document of their own).
    `select h.slug, hp.competitor_id as player_id from competitors hp join hunts h on h.id = hp.hunt_id
      where h.mode = 'solo' order by md5(hp.competitor_id::text || h.slug) limit 1000`)).rows;
  // Own views: a seeded player in a hunt they play (a solo hunt's competitor, a team hunt's member),
  // spread over players and hunts like the progress pairs.
  const ownPairs = (await db.pool.query<{ slug: string; n: number; team: boolean }>(
    `select slug, n, team from (
       select h.slug, substr(p.handle, length($1) + 2)::int as n, false as team
         from competitors c join hunts h on h.id = c.hunt_id join players p on p.id = c.competitor_id
       union all
       select h.slug, substr(p.handle, length($1) + 2)::int as n, true as team
         from team_members m join hunts h on h.id = m.hunt_id join players p on p.id = m.player_id
     ) o order by md5(n::text || slug) limit 1000`, [SEED_PREFIX])).rows;
  const ownRequests: LoadRequest[] = ownPairs.map((o) => ({ path: `/v1/me/hunts/${o.slug}`, headers: { Authorization: `Bearer ${SEED_PREFIX}-token-${o.n}` } }));
  const ownPlayers = new Set(ownPairs.map((o) => o.n)).size;
  const ownHunts = new Set(ownPairs.map((o) => o.slug)).size;
  const ownTeam = ownPairs.filter((o) => o.team).length;
  const documentBytes = (await db.pool.query<{ kind: string; n: number; bytes: number }>(
    `select kind, count(*)::int as n, sum(octet_length(body))::float8 as bytes from snapshot_documents
      where body is not null group by kind order by bytes desc`)).rows;

  const port = () => freePort();
  const cpuProfDir = path.join(scratch, 'profiles');
  // Every API process but the first on a checkout starts from Node's compile cache (node-flags.ts):
  // start and stop one, so that the measured process is such a one.
  await (await spawnApi({ databaseUrl: db.url, port: await port() })).stop();
  const api = await spawnApi({
    databaseUrl: db.url, port: await port(), cpus: SERVER_CPU,
    nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : undefined,
  });
  servers.push(api);
  const loadedMemory = residentMemory(api.pid);
  const top: LoadRequest[] = slugs.map((s) => ({ path: `/v1/hunts/${s}/leaderboard` }));

  // The raw baseline serves the very bytes the API serves for the same requests.
  const bodies: Record<string, string> = {};
  const etags: string[] = [];
  for (const r of top) {
    const res = await fetch(api.url + r.path);
    if (res.status !== 200) throw new Error(`${r.path}: ${res.status}`);
    bodies[r.path] = await res.text();
    etags.push(res.headers.get('etag')!);
  }
  const pageBytes = Math.round(median(Object.values(bodies).map((b) => Buffer.byteLength(b))));
  const documentsFile = path.join(scratch, 'raw-documents.json');
  writeFileSync(documentsFile, JSON.stringify(bodies));
  const conditional = await fetch(api.url + top[0]!.path, { headers: { 'if-none-match': etags[0]! } });
  if (conditional.status !== 304) throw new Error(`If-None-Match answered ${conditional.status}, not 304`);
  // Every own view answers 200 with the player's competitor (a member's team in a team hunt).
  const ownBytes: number[] = [];
  for (const r of ownRequests) {
    const res = await fetch(api.url + r.path, { headers: r.headers });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${r.path}: ${res.status} ${text}`);
    if ((JSON.parse(text) as { competitor: unknown }).competitor === null) throw new Error(`${r.path}: no competitor for ${r.headers!.Authorization}`);
    ownBytes.push(Buffer.byteLength(text));
  }
  const ownPageBytes = Math.round(median(ownBytes));
  // Hunt pages: each answers 200 with its clues and leaderboard (made here once, as a first visitor would).
  const huntPages: LoadRequest[] = slugs.map((s) => ({ path: `/hunts/${s}` }));
  const huntPagesGzip: LoadRequest[] = huntPages.map((r) => ({ path: r.path, headers: { 'Accept-Encoding': 'gzip, deflate, br' } }));
  const huntPageBytes: number[] = [];
  const huntPageGzipBytes: number[] = [];
  for (const r of huntPages) {
    const res = await fetch(api.url + r.path, { headers: { 'accept-encoding': 'identity' } });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('aria-labelledby="leaderboard-title"')) throw new Error(`${r.path}: ${res.status}`);
    huntPageBytes.push(Buffer.byteLength(text));
    // fetch inflates the body; the header keeps the bytes sent.
    const zipped = await fetch(api.url + r.path, { headers: { 'accept-encoding': 'gzip' } });
    huntPageGzipBytes.push(Number(zipped.headers.get('content-length')));
    await zipped.arrayBuffer();
  }
  const pageHtmlBytes = Math.round(median(huntPageBytes));
  const pageGzipBytes = Math.round(median(huntPageGzipBytes));

  const raw = await spawnServer({ name: 'raw', script: new URL('./raw-server.ts', import.meta.url).pathname, port: await port(), cpus: SERVER_CPU, env: { RAW_DOCUMENTS: documentsFile } });
  servers.push(raw);
  const rawHeaders = await spawnServer({
    name: 'raw + headers', script: new URL('./raw-server.ts', import.meta.url).pathname, port: await port(), cpus: SERVER_CPU,
    env: { RAW_DOCUMENTS: documentsFile, RAW_API_HEADERS: '1' },
  });
  servers.push(rawHeaders);
  const live = await spawnServer({
    name: 'live query', script: new URL('./live-query-server.ts', import.meta.url).pathname, port: await port(), cpus: SERVER_CPU,
    env: { DATABASE_URL: db.url, DB_POOL_MAX: '10' },
  });
  servers.push(live);
  // For the processes report: neither the API nor wrk pinned, one process and two.
  const apiOne = await spawnApi({ databaseUrl: db.url, port: await port(), cpus: ANY_CPU });
  servers.push(apiOne);
  const apiTwo = await spawnApi({ databaseUrl: db.url, port: await port(), processes: 2, cpus: ANY_CPU });
  servers.push(apiTwo);
  await waitAllReady(apiTwo.url);
  log(`servers up: api pid ${api.pid} (cpu ${SERVER_CPU ?? 'any'}), raw ${raw.pid}, live query ${live.pid}, `
    + `api unpinned ${apiOne.pid}, api x2 ${apiTwo.pid} (${processTree(apiTwo.pid).length - 1} workers); leaderboard page ${pageBytes} bytes`);

  const both = [settings.connections, settings.lowConnections];
  const pinned = { loadCpus: LOAD_CPU, threads: 1, connections: both };
  const unpinned = { loadCpus: ANY_CPU, threads: 2, connections: [settings.connections] };
  const variants: Variant[] = [
    { key: 'raw', label: 'raw node:http: leaderboard page from a Map', kind: 'raw', server: raw, requests: top, ...pinned },
    { key: 'rawHeaders', label: 'raw node:http + the API\'s response headers (fixed values)', kind: 'raw', server: rawHeaders, requests: top, ...pinned },
    { key: 'index', label: 'snapshot: hunts index', kind: 'snapshot', server: api, requests: [{ path: '/v1/hunts' }], ...pinned },
    { key: 'detail', label: 'snapshot: hunt detail', kind: 'snapshot', server: api, requests: slugs.map((s) => ({ path: `/v1/hunts/${s}` })), ...pinned },
    { key: 'top', label: 'snapshot: leaderboard top 50', kind: 'snapshot', server: api, requests: top, ...pinned },
    { key: 'deep', label: `snapshot: leaderboard offset=${deepOffset}&limit=50`, kind: 'snapshot', server: api,
      requests: slugs.map((s) => ({ path: `/v1/hunts/${s}/leaderboard?offset=${deepOffset}&limit=50` })), ...pinned },
    { key: 'window', label: 'snapshot: leaderboard offset=110&limit=25 (not a stored page: cut per request)', kind: 'snapshot', server: api,
      requests: slugs.map((s) => ({ path: `/v1/hunts/${s}/leaderboard?offset=110&limit=25` })), ...pinned },
    { key: 'progress', label: 'snapshot: player progress', kind: 'snapshot', server: api,
      requests: pairs.map((p) => ({ path: `/v1/hunts/${p.slug}/players/${p.player_id}` })), ...pinned },
    { key: 'own', label: `own view GET /v1/me/hunts/:slug, bearer tokens (${fmt.int(ownPlayers)} players, ${ownHunts} hunts${ownTeam ? `, ${ownTeam} of ${ownPairs.length} as team members` : ''})`,
      kind: 'own', server: api, requests: ownRequests, ...pinned },
    { key: 'page', label: `hunt page /hunts/:slug (HTML, ${pageHtmlBytes} bytes, no compression asked)`, kind: 'page', server: api, requests: huntPages, ...pinned },
    { key: 'pageGzip', label: `hunt page /hunts/:slug, Accept-Encoding: gzip as browsers ask (${pageGzipBytes} bytes)`, kind: 'page', server: api,
      requests: huntPagesGzip, ...pinned },
    { key: 'notModified', label: 'snapshot: leaderboard top 50 with If-None-Match (304)', kind: 'snapshot', server: api,
      requests: top.map((r, i) => ({ path: r.path, headers: { 'If-None-Match': etags[i]! } })), ...pinned },
    { key: 'live', label: 'live query: leaderboard top 50, SQL per request (express + pg)', kind: 'live', server: live, requests: top, ...pinned },
    { key: 'one', label: 'leaderboard top 50, 1 API process (nothing pinned)', kind: 'processes', server: apiOne, requests: top, ...unpinned },
    { key: 'two', label: 'leaderboard top 50, API_PROCESSES=2 (nothing pinned)', kind: 'processes', server: apiTwo, requests: top, ...unpinned },
  ];
  // This process samples /proc during the runs: keep it off the servers' CPU (from here on; the
  // database and the servers started above keep their own CPUs).
  if (LOAD_CPU !== undefined) execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });

  const snapshotRoutes = (l: Labels) => l.method === 'GET' && SNAPSHOT_ROUTES.has(l.route ?? '');
  const ownRoute = (l: Labels) => l.method === 'GET' && l.route === OWN_ROUTE;
  const pageRoute = (l: Labels) => l.method === 'GET' && l.route === PAGE_ROUTE;
  const scrape = (filter: (l: Labels) => boolean = snapshotRoutes) => scrapeHistogram(`${api.url}/metrics`, HISTOGRAM, filter);
  async function measure(v: Variant, connections: number, durationSeconds: number, round: number): Promise<Run> {
    const busyBefore = await waitForQuiet({ maxBusyCores: QUIET, timeoutMs: quick ? 5_000 : 60_000 });
    const routes = v.kind === 'own' ? ownRoute : v.kind === 'page' ? pageRoute : snapshotRoutes;
    const handlerBefore = v.server === api ? await scrape(routes) : undefined;
    const cpu0 = cpuSeconds(v.server.pid);
    const machine0 = machineCpu();
    const overflows0 = listenOverflows();
    const ticks0 = allProcessTicks();
    const queue = watchAcceptQueue(Number(new URL(v.server.url).port), 100);
    const started = performance.now();
    const result = await runWrk({
      baseUrl: v.server.url, requests: v.requests, connections, durationSeconds, threads: v.threads, cpus: v.loadCpus, timeoutSeconds: settings.timeout,
    });
    const wall = (performance.now() - started) / 1000;
    const accept = queue.stop();
    const machine1 = machineCpu();
    const serverCores = (cpuSeconds(v.server.pid) - cpu0) / wall;
    const generatorCores = result.generatorCpu / wall;
    const busyCores = ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * cores;
    return {
      ...result, round, key: v.key, connections, serverCores, generatorCores, busyBefore,
      otherCores: Math.max(0, busyCores - serverCores - generatorCores),
      overflows: listenOverflows() - overflows0,
      acceptPeak: accept.peak, acceptQueuedMs: accept.lastQueuedMs,
      busiest: busiestBetween(ticks0, allProcessTicks(), wall, 4),
      handler: handlerBefore && difference(handlerBefore, await scrape(routes)),
    };
  }

  // Warm-up: JIT, connection pools and page cache, not recorded.
  log('warming up every variant...');
  for (const v of variants) await measure(v, settings.lowConnections, quick ? 1 : 2, 0);

  const runs: Run[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const connections of both) {
      for (const v of variants) {
        if (!v.connections.includes(connections)) continue;
        // Another process busy during the run (this machine is shared) skews it: run it again.
        let r = await measure(v, connections, settings.duration, round);
        for (let retry = 1; retry < RETRIES && v.kind !== 'live' && r.otherCores > NOISY; retry++) {
          log(`round ${round} c=${connections} ${v.label}: other processes used ${r.otherCores.toFixed(2)} cores (${r.busiest.join(', ')}), running it again`);
          r = await measure(v, connections, settings.duration, round);
        }
        runs.push(r);
        log(`round ${round}/${settings.rounds} c=${connections} ${v.label}: ${fmt.int(r.rps)} req/s, p50 ${fmt.ms(r.p50)} ms, `
          + `p99 ${fmt.ms(r.p99)} ms, max ${fmt.ms(r.max)} ms, errors ${r.errors} (${r.errorDetail}); cores: server ${r.serverCores.toFixed(2)}, `
          + `wrk ${r.generatorCores.toFixed(2)}, other ${r.otherCores.toFixed(2)} (${r.busyBefore.toFixed(2)} before); accept queue peak ${r.acceptPeak} `
          + `(until ${Math.round(r.acceptQueuedMs)} ms), listen overflows ${r.overflows}; busiest: ${r.busiest.join(', ')}`);
      }
    }
  }

  // Fixed offered load: half of the measured maximum of the leaderboard top 50, one API process.
  const of = (key: string, connections = settings.connections) => runs.filter((r) => r.key === key && r.connections === connections);
  const med = (key: string, field: 'rps' | 'p50' | 'p99' | 'serverCores' | 'generatorCores' | 'otherCores', connections = settings.connections) =>
    median(of(key, connections).map((r) => r[field]));
  const offered = Math.round(med('top', 'rps') / 2);
  const fixedUrl = api.url + top[0]!.path;
  const fixedSeconds = Math.max(4, settings.duration);
  log(`fixed offered load: ${offered} req/s over ${settings.connections} connections (half of the measured maximum)`);
  async function fixedRate(run: () => Promise<LoadResult>) {
    const busyBefore = await waitForQuiet({ maxBusyCores: QUIET, timeoutMs: quick ? 5_000 : 60_000 });
    const before = await scrape();
    const cpu0 = cpuSeconds(api.pid);
    const started = performance.now();
    const result = await run();
    const wall = (performance.now() - started) / 1000;
    // prom-client resets its event-loop delay histogram (10 ms resolution) at every scrape: the
    // values read now cover the run. A delay there is time no request could be answered in.
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const handler = difference(before, parseHistogram(metrics, HISTOGRAM, snapshotRoutes));
    const loopMs = (name: string) => 1000 * sampleValue(metrics, name);
    return {
      ...result, busyBefore, serverCores: (cpuSeconds(api.pid) - cpu0) / wall, generatorCores: result.generatorCpu / wall,
      handlerP99: quantile(0.99, handler) * 1000, handled: handler.count,
      loopDelayP99: loopMs('nodejs_eventloop_lag_p99_seconds'), loopDelayMax: loopMs('nodejs_eventloop_lag_max_seconds'),
    };
  }
  const quietly = async (run: () => Promise<Awaited<ReturnType<typeof fixedRate>>>) => {
    let r = await run();
    // The API should need about half a core at half its maximum: much less means it was starved.
    for (let retry = 1; retry < RETRIES && r.rps < offered * 0.9; retry++) {
      log(`fixed load achieved only ${fmt.int(r.rps)} of ${offered} req/s (a busy machine?), running it again`);
      r = await run();
    }
    return r;
  };
  const spread = await quietly(() => fixedRate(() => runSpreadFixedRate({ url: fixedUrl, connections: settings.connections, overallRate: offered, durationSeconds: fixedSeconds, cpus: LOAD_CPU })));
  const plain = await quietly(() => fixedRate(() => runAutocannon({ url: fixedUrl, connections: settings.connections, overallRate: offered, durationSeconds: fixedSeconds, cpus: LOAD_CPU })));
  for (const [name, r] of [['spread over the second (100 instances)', spread], ['--overallRate, one instance', plain]] as const) {
    log(`autocannon ${name}: ${fmt.int(r.rps)} req/s, p50 ${fmt.ms(r.p50)} ms, p99 ${fmt.ms(r.p99)} ms, max ${fmt.ms(r.max)} ms, `
      + `errors ${r.errors}; handler p99 ${fmt.ms(r.handlerP99)} ms; API event-loop delay p99 ${fmt.ms(r.loopDelayP99)} ms, max ${fmt.ms(r.loopDelayMax)} ms; `
      + `cores: api ${r.serverCores.toFixed(2)}, autocannon ${r.generatorCores.toFixed(2)}`);
  }

  // Memory: the measured API after everything, and a fresh API asked for a full GC (what its live
  // data holds, as opposed to what its resident set grew to while loading and serving).
  const memory = residentMemory(api.pid);
  const twoWorkers = processTree(apiTwo.pid).slice(1).map((pid) => residentMemory(pid).rss);
  const metricsText = await (await fetch(`${api.url}/metrics`)).text();
  const metric = (name: string) => sampleValue(metricsText, name);
  const documents = metric('treasure_snapshot_documents');
  // Where the resident set went: what V8 holds for its heap against what the process holds outside it.
  const heapAfter = { total: metric('nodejs_heap_size_total_bytes'), used: metric('nodejs_heap_size_used_bytes'), external: metric('nodejs_external_memory_bytes') };
  const inspectorPort = await port();
  const probe = await spawnApi({ databaseUrl: db.url, port: await port(), cpus: SERVER_CPU, nodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`] });
  servers.push(probe);
  const probeLoaded = residentMemory(probe.pid).rss;
  const session = await inspect(inspectorPort);
  await session.collectGarbage();
  const afterGc: MemoryUsage = await session.memoryUsage();
  session.close();
  await probe.stop();

  // ---- report ----
  const kindOf = new Map(variants.map((v) => [v.key, v.kind]));
  const c = settings.connections;
  const rows: (string | number)[][] = [];
  for (const connections of both) {
    for (const v of variants) {
      const rs = of(v.key, connections);
      if (!rs.length) continue;
      rows.push([v.label, connections, fmt.int(med(v.key, 'rps', connections)), fmt.ms(med(v.key, 'p50', connections)),
        fmt.ms(med(v.key, 'p99', connections)), fmt.ms(Math.max(...rs.map((r) => r.max))), rs.reduce((n, r) => n + r.errors, 0),
        `${med(v.key, 'serverCores', connections).toFixed(2)} / ${med(v.key, 'generatorCores', connections).toFixed(2)} / ${med(v.key, 'otherCores', connections).toFixed(2)}`,
        `${Math.max(...rs.map((r) => r.acceptPeak))} / ${fmt.int(Math.max(...rs.map((r) => r.acceptQueuedMs)))} / ${rs.reduce((n, r) => n + r.overflows, 0)}`]);
    }
  }
  const ratio = (a: string, b: string, connections = c) => med(a, 'rps', connections) / med(b, 'rps', connections);
  const snapshotRuns = runs.filter((r) => r.connections === c && kindOf.get(r.key) === 'snapshot');
  const snapshotHandler = snapshotRuns.reduce((acc, r) => combine(acc, r.handler!), emptyHistogram());
  const handlerP99 = quantile(0.99, snapshotHandler) * 1000;
  const snapshotErrors = snapshotRuns.reduce((n, r) => n + r.errors, 0);
  const topErrors = of('top').reduce((n, r) => n + r.errors, 0);
  const rawErrors = of('raw').reduce((n, r) => n + r.errors, 0);
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const ownRuns = of('own');
  const ownErrors = ownRuns.reduce((n, r) => n + r.errors, 0);
  const ownHandler = ownRuns.reduce((acc, r) => combine(acc, r.handler!), emptyHistogram());
  const ownHandlerP99 = quantile(0.99, ownHandler) * 1000;
  const handlerOf = (key: string) => quantile(0.99, of(key).reduce((acc, r) => combine(acc, r.handler!), emptyHistogram())) * 1000;
  const errorsOf = (key: string) => of(key).reduce((n, r) => n + r.errors, 0);
  const targets = [
    [`snapshot reads >= 70% of raw req/s (leaderboard top 50, the same bytes as raw), one API process, ${c} connections`,
      fmt.pct(ratio('top', 'raw')), pass(ratio('top', 'raw') >= 0.7)],
    [`zero errors on the snapshot variants at ${c} connections`,
      `${snapshotErrors} (leaderboard top 50: ${topErrors}; raw baseline: ${rawErrors})`, pass(snapshotErrors === 0)],
    [`own view (GET /v1/me/hunts/:slug, bearer tokens, ${fmt.int(ownPlayers)} players in ${ownHunts} hunts) >= 0.5x the leaderboard top 50 req/s, ${c} connections`,
      `${fmt.ratio(ratio('own', 'top'))}x (${fmt.int(med('own', 'rps'))} / ${fmt.int(med('top', 'rps'))} req/s; ${ownErrors} errors; handler p99 ${fmt.ms(ownHandlerP99)} ms)`,
      pass(ratio('own', 'top') >= 0.5)],
    [`hunt page (/hunts/:slug, HTML, ${slugs.length} hunts) >= 0.5x the leaderboard top 50 req/s, ${c} connections`,
      `${fmt.ratio(ratio('page', 'top'))}x (${fmt.int(med('page', 'rps'))} / ${fmt.int(med('top', 'rps'))} req/s; ${errorsOf('page')} errors; handler p99 ${fmt.ms(handlerOf('page'))} ms); `
        + `with gzip ${fmt.ratio(ratio('pageGzip', 'top'))}x (${errorsOf('pageGzip')} errors)`,
      pass(ratio('page', 'top') >= 0.5)],
    ['snapshot leaderboard top 50 >= 30x the live query (req/s)', `${ratio('top', 'live').toFixed(1)}x`, pass(ratio('top', 'live') >= 30)],
    [`p99 < 10 ms at a fixed ${offered} req/s (half the maximum), ${c} connections, autocannon spread over the second`,
      `${fmt.ms(spread.p99)} ms, ${spread.errors} errors`, pass(spread.p99 < 10 && spread.errors === 0)],
    [`the same with autocannon --overallRate as one instance (bursts: see notes)`, `${fmt.ms(plain.p99)} ms, ${plain.errors} errors`, pass(plain.p99 < 10 && plain.errors === 0)],
    [`handler p99 < 1 ms (${HISTOGRAM}, snapshot routes), all ${c}-connection runs`, `${fmt.ms(handlerP99)} ms over ${fmt.int(snapshotHandler.count)} requests`, pass(handlerP99 < 1)],
    ['handler p99 < 1 ms at the fixed offered load (spread)', `${fmt.ms(spread.handlerP99)} ms over ${fmt.int(spread.handled)} requests`, pass(spread.handlerP99 < 1)],
    [`API resident memory < 256 MiB (${settings.hunts} hunts x ${settings.players} ranked players, ${fmt.int(documents)} documents)`,
      `VmRSS ${fmt.mb(memory.rss)} after the runs (peak ${fmt.mb(memory.peak)})`, pass(memory.rss < 256 * 2 ** 20)],
  ];

  const out: string[] = [];
  out.push(`\n## Read path: ${settings.hunts} hunts x ${settings.players} ranked players${settings.gameModel ? ` (game model: ${Math.max(1, Math.floor(settings.hunts / 4))} team hunts, unlock rules, hints)` : ''}, median of ${settings.rounds} round(s) of ${settings.duration} s per variant`);
  out.push(`machine: ${host.cores} cores (${host.model}), ${host.memory}; Node ${host.node}; PostgreSQL ${db.server}; ${host.date}`);
  out.push(`servers on CPU ${SERVER_CPU ?? 'any'} (taskset), wrk on CPU ${LOAD_CPU ?? 'any'} (1 thread; 2 threads on any CPU for the rows "nothing pinned"); `
    + `wrk timeout ${settings.timeout} s; leaderboard page ${pageBytes} bytes; own view ${ownPageBytes} bytes (median); hunt page ${pageHtmlBytes} bytes, gzip ${pageGzipBytes}; seed ${(data.seedMs / 1000).toFixed(1)} s, first publish `
    + `${(data.publishMs / 1000).toFixed(1)} s (${fmt.int(data.documents)} documents)\n`);
  out.push(table(['variant', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'CPU cores: server / wrk / other',
    'accept queue: peak / last seen ms / overflows'], rows));
  out.push('\nCPU cores: busy time over the run divided by its wall time, for the server process (tree), wrk, and everything else '
    + '(the database, the kernel\'s softirq work, other processes on the machine). errors: socket errors (connect, read, write, '
    + `timeout at ${settings.timeout} s) plus responses that are not 2xx/3xx, summed over the rounds. accept queue: the listener's `
    + 'backlog sampled every 100 ms (largest, and the last time in the run it held a connection), and handshakes the kernel dropped because it was full.');
  out.push(`\nratios (${c} connections): snapshot leaderboard top 50 / raw ${fmt.ratio(ratio('top', 'raw'))}; `
    + `raw with the API's headers / raw ${fmt.ratio(ratio('rawHeaders', 'raw'))}; top 50 / raw with the API's headers ${fmt.ratio(ratio('top', 'rawHeaders'))}; `
    + `/ live query ${ratio('top', 'live').toFixed(1)}; 304 / raw ${fmt.ratio(ratio('notModified', 'raw'))}; `
    + `deep page / raw ${fmt.ratio(ratio('deep', 'raw'))}; progress / raw ${fmt.ratio(ratio('progress', 'raw'))}; `
    + `own view / top 50 ${fmt.ratio(ratio('own', 'top'))}; `
    + `hunt page / top 50 ${fmt.ratio(ratio('page', 'top'))} (gzip ${fmt.ratio(ratio('pageGzip', 'top'))}); `
    + `2 API processes / 1 (nothing pinned) ${fmt.ratio(ratio('two', 'one'))}`);
  out.push(`ratios (${settings.lowConnections} connections): top 50 / raw ${fmt.ratio(ratio('top', 'raw', settings.lowConnections))}; `
    + `own view / top 50 ${fmt.ratio(ratio('own', 'top', settings.lowConnections))}; `
    + `hunt page / top 50 ${fmt.ratio(ratio('page', 'top', settings.lowConnections))}; `
    + `/ live query ${ratio('top', 'live', settings.lowConnections).toFixed(1)}`);
  out.push(`\nfixed offered load ${offered} req/s (half the leaderboard top 50 maximum), ${c} connections, one API process, autocannon on CPU ${LOAD_CPU ?? 'any'}:`);
  out.push(table(['generator', 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'handler p99 ms', 'API event-loop delay p99 / max ms', 'CPU cores: api / autocannon'],
    ([['autocannon, 100 instances started evenly over a second', spread], ['autocannon --overallRate, one instance (CLI)', plain]] as const).map(([name, r]) =>
      [name, fmt.int(r.rps), fmt.ms(r.p50), fmt.ms(r.p90), fmt.ms(r.p99), fmt.ms(r.max), r.errors, fmt.ms(r.handlerP99),
        `${fmt.ms(r.loopDelayP99)} / ${fmt.ms(r.loopDelayMax)}`, `${r.serverCores.toFixed(2)} / ${r.generatorCores.toFixed(2)}`])));
  out.push(`\nmemory of one API process (${fmt.int(documents)} documents): VmRSS ${fmt.mb(loadedMemory.rss)} once loaded, ${fmt.mb(memory.rss)} after the runs `
    + `(peak ${fmt.mb(memory.peak)}; V8 heap ${fmt.mb(heapAfter.total)} of which ${fmt.mb(heapAfter.used)} used, external ${fmt.mb(heapAfter.external)}); API_PROCESSES=2: ${twoWorkers.map(fmt.mb).join(' + ')}. A fresh API process: ${fmt.mb(probeLoaded)} once loaded, `
    + `after a full GC ${fmt.mb(afterGc.rss)} resident, of which V8 heap ${fmt.mb(afterGc.heapUsed)} used, buffers (document bodies) ${fmt.mb(afterGc.arrayBuffers)}. `
    + `Document bodies in the database: ${documentBytes.map((d) => `${d.kind} ${fmt.int(d.n)} x ${fmt.int(d.bytes / d.n)} B = ${fmt.mb(d.bytes)}`).join(', ')}.`);
  out.push(`\ntargets:\n${table(['target', 'measured', 'result'], targets)}`);
  out.push(`
notes:
- Saturation with ${c} connections opened at once: wrk connects them all in the first
  milliseconds, and libuv (1.45 and later; Node ${process.versions.node} ships ${process.versions.uv}) accepts one
  connection per event-loop iteration. Once the server is busy an iteration serves hundreds of
  ready connections and lasts milliseconds, so the rest wait in the listener's accept queue
  (511 long: node's default backlog; when full, the kernel drops the handshake and the client
  retries after 1 s, then 3 s) for up to the whole run, or not at all when the server accepted
  them before it got busy: a race, the same for the raw baseline. The "accept queue" column
  shows it; requests held there are the max latencies of a second or more, and those held past
  wrk's ${settings.timeout} s timeout are its "timeout" errors. p50 and p99 at saturation are queueing as
  well (${c} requests in flight / throughput). The fixed-load rows and the handler histogram
  measure the server itself.
- autocannon paces each connection by a 1-second interval started with the connection, so one
  instance sends every connection's quota for the second in one burst at the top of the second
  (all ${c} connections at once) and then idles: its p99 measures that burst's queue. The spread
  variant starts 100 instances (${c / 100} connections each, 1/100 of the rate each) evenly across
  the first second: the same offered load, arriving steadily; latencies are recorded raw per
  response, over the seconds when all instances run.
- Handler latency is the API's own histogram (${HISTOGRAM}), from request start to response
  close, for the snapshot routes, from bucket deltas around each run.
- The own view (${OWN_ROUTE}) is served on the same node:http path as the snapshot routes: each
  request hashes the bearer token, finds the player held in memory (no lookup: the seeded players
  existed when the API started) and the view kept serialized since its first read (nothing
  changes in this bench: under play a find or hint rebuilds its competitor's view once, a moving
  board only changes the rank spliced in per read). It is kept out of the snapshot rows' targets;
  its handler p99 (its own route in the histogram) is in its target row.
- The hunt page (${PAGE_ROUTE}) is HTML made from the hunt's detail, leaderboard and feed
  documents once per version of them (src/api/pages/page-cache.ts) and gzipped then: a request
  is a Map lookup and a write of those bytes, on the node:http path before express. Its handler
  p99 (its own route in the histogram) is in its target row.
- The machine is shared: before each run the bench waits (up to 60 s) for the rest of it to be
  below ${QUIET} busy cores, and runs again (up to ${RETRIES} times) a run during which other processes
  used more than ${NOISY} cores (the live query excepted: its "other" is the database); "other" in
  the CPU column shows what else ran (softirq network work included).`);
  const report = out.join('\n');
  console.log(report);

  mkdirSync('.bench', { recursive: true });
  const file = `.bench/read-${host.date.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({
    settings, host, db: db.server, pageBytes, ownPageBytes, ownHandlerP99, pageHtmlBytes, pageGzipBytes, pageHandlerP99: handlerOf('page'), data: { ...data, slugs: undefined, huntIds: undefined }, documentBytes,
    runs: runs.map((r) => ({ ...r, handler: undefined })), fixed: { offered, spread, plain }, handlerP99,
    memory: { loaded: loadedMemory, after: memory, heapAfter, twoWorkers, probeLoaded, afterGc }, documents, targets, report,
  }, null, 2));
  log(`results saved to ${file}`);

  if (values['cpu-prof']) {
    await api.stop(); // the profile is written as the process exits
    for (const line of await summarizeProfiles(cpuProfDir, 25)) console.log(line);
  }
} finally {
  await cleanUp();
}
