// `npm run bench:deployment -- [--part edge|pooler|both] [--rounds 2] [--seconds 8]`
// The deployment's two choices, each variant measured in the same run, rounds interleaved:
// 1. edge: JSON through nginx (deploy/nginx.conf, rendered as `npm run cluster` does) with gzip
//    per response at level 1 (the template) and 5, against passing it through uncompressed, and
//    the API alone; autocannon with Accept-Encoding: gzip on a leaderboard page (JSON, ~8 KB),
//    then a web page (compressed by the API once per version) through nginx and alone. Requests/s,
//    p99, bytes per response, and the CPU of nginx and of the API per request (from /proc).
// 2. pooler: answers from 200 players in a closed loop into a fresh hunt per run, through one API
//    process whose pool is (a) PostgreSQL directly, named statements (as without PgBouncer);
//    (b) directly, unnamed (DATABASE_DIRECT_URL set apart); (c) PgBouncer in transaction mode,
//    unnamed (deploy/pgbouncer.ini). Answers/s, latency, and CPU per answer of the API, PgBouncer
//    and PostgreSQL (a server on this machine: DATABASE_URL's, or an embedded durable one).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Child } from '../src/cli/cluster/child.ts';
import { prepareNginx } from '../src/cli/cluster/nginx.ts';
import { startPgbouncer } from '../src/cli/cluster/pgbouncer.ts';
import { NGINX_TEMPLATE } from '../src/cli/cluster/templates.ts';
import { freePort } from '../src/core/embedded-postgres.ts';
import { apiCaller } from './support/api-call.ts';
import { runAnswerLoad } from './support/answer-load.ts';
import { runAutocannon } from './support/autocannon.ts';
import { openBenchDatabase } from './support/database.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { postmasterPid, serverCpuSeconds } from './support/postgres-process.ts';
import { cpuSeconds, spawnApi, type ServerProcess } from './support/processes.ts';
import { fmt, machine, median, positiveInt, table } from './support/report.ts';
import { seedAndPublish } from './support/seed.ts';
import { waitSettled } from './support/settle.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  part: { type: 'string', default: 'both' }, rounds: { type: 'string', default: '2' }, seconds: { type: 'string', default: '8' },
} });
const ROUNDS = positiveInt('rounds', values.rounds);
const SECONDS = positiveInt('seconds', values.seconds);
if (!['edge', 'pooler', 'both'].includes(values.part!)) throw new Error(`--part must be edge, pooler or both, got ${values.part}`);
// Servers on CPU 0 and any, the load generator on CPU 1, when there are two.
const LOAD_CPU = os.availableParallelism() >= 2 ? '1' : undefined;

const log = (msg: string) => console.log(`[bench:deployment] ${msg}`);
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);

/** An nginx of deploy/nginx.conf (edited by `edit`) in a temp directory, in front of `apiPort`. */
async function nginxVariant(apiPort: number, edit: (template: string) => string): Promise<{ url: string; child: Child; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-nginx-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const child = await prepareNginx(dir, { listen: { host: '127.0.0.1', port }, apiPorts: [apiPort] }, undefined, edit(readFileSync(NGINX_TEMPLATE, 'utf8')));
  child.start();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/healthz`).then((r) => r.status, () => 0)) === 200) break;
    if (i > 100 || !child.running) throw new Error(`nginx did not start (see ${dir}/logs/error.log)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, async stop() { await child.stop(10_000); await rm(dir, { recursive: true, force: true }); } };
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/nginx.conf no longer has "${from}": the bench's variants need updating`);
  return text.replace(from, to);
}

async function edge(): Promise<void> {
  const db = await openBenchDatabase('edge', log);
  const processes: ServerProcess[] = [];
  const edges: Awaited<ReturnType<typeof nginxVariant>>[] = [];
  try {
    const data = await seedAndPublish(db.pool, { hunts: 20, playersPerHunt: 200, seed: 3 }, log);
    const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), cpus: LOAD_CPU === undefined ? undefined : '0', env: { TRUST_PROXY: '1' } });
    processes.push(api);
    const port = Number(new URL(api.url).port);
    const variants = [
      { name: 'API alone (no nginx)', url: api.url, nginx: undefined as Child | undefined },
    ];
    for (const [name, edit] of [
      ['nginx, pass-through (deploy/nginx.conf)', (t: string) => t],
      ['nginx, gzip level 1', (t: string) => replaceOnce(t, '    gzip off;', '    gzip on;')],
      ['nginx, gzip level 5', (t: string) => replaceOnce(replaceOnce(t, '    gzip off;', '    gzip on;'), 'gzip_comp_level 1;', 'gzip_comp_level 5;')],
    ] as const) {
      const variant = await nginxVariant(port, edit);
      edges.push(variant);
      variants.push({ name, url: variant.url, nginx: variant.child });
    }
    const slug = data.slugs[0]!;
    const measure = async (variant: (typeof variants)[number], urlPath: string) => {
      const before = { api: cpuSeconds(api.pid), nginx: variant.nginx ? cpuSeconds(variant.nginx.pid!) : 0 };
      const result = await runAutocannon({ url: variant.url + urlPath, connections: 50, durationSeconds: SECONDS, headers: { 'accept-encoding': 'gzip, deflate, br' }, cpus: LOAD_CPU });
      const used = { api: cpuSeconds(api.pid) - before.api, nginx: variant.nginx ? cpuSeconds(variant.nginx.pid!) - before.nginx : 0 };
      if (result.errors > 0) log(`  ${variant.name}: ${result.errorDetail}`);
      return { ...result, apiUs: (used.api / result.requests) * 1e6, nginxUs: (used.nginx / result.requests) * 1e6 };
    };
    const report = async (title: string, urlPath: string, chosen: typeof variants, rounds: number) => {
      const runs = new Map(chosen.map((v) => [v.name, [] as Awaited<ReturnType<typeof measure>>[]]));
      for (let round = 0; round < rounds; round++) {
        for (const variant of chosen) {
          log(`${title}, round ${round + 1}: ${variant.name}...`);
          runs.get(variant.name)!.push(await measure(variant, urlPath));
        }
      }
      const base = median(runs.get(chosen[1]!.name)!.map((r) => r.rps));
      console.log(`\n${title}: GET ${urlPath}, autocannon 50 connections, ${SECONDS} s a run, ${rounds} round(s), medians\n`);
      console.log(table(['variant', 'requests/s', 'each run', `vs ${chosen[1]!.name}`, 'p99 ms', 'bytes/response', 'nginx CPU µs/request', 'API CPU µs/request', 'errors'],
        chosen.map((v) => {
          const r = runs.get(v.name)!;
          const rps = median(r.map((x) => x.rps));
          return [v.name, fmt.int(rps), r.map((x) => fmt.int(x.rps)).join(', '), fmt.ratio(rps / base), fmt.ms(median(r.map((x) => x.p99))), fmt.int(median(r.map((x) => x.bytes / x.requests))),
            v.nginx ? fmt.int(median(r.map((x) => x.nginxUs))) : '-', fmt.int(median(r.map((x) => x.apiUs))), r.reduce((n, x) => n + x.errors, 0)];
        })));
    };
    await report('JSON document (leaderboard top 50)', `/v1/hunts/${slug}/leaderboard`, variants, ROUNDS);
    // Through the gzip variant: nginx leaves a response that has a Content-Encoding alone.
    await report('Web page (compressed by the API once per version)', `/hunts/${slug}`, [variants[0]!, variants[2]!], 1);
    console.log(`\ndatabase ${db.server}; API pinned to CPU 0, autocannon to CPU 1, nginx (2 workers) anywhere`);
  } finally {
    for (const e of edges) await e.stop();
    for (const p of processes.reverse()) await p.stop();
    await db.close();
  }
}

async function pooler(): Promise<void> {
  const PLAYERS = 200;
  const CLUES = 100;
  const PREFIX = 'bd';
  const db = await openDurableDatabase('pooler', log);
  const processes: ServerProcess[] = [];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-pgbouncer-'));
  let bouncer: Awaited<ReturnType<typeof startPgbouncer>> | undefined;
  try {
    const postmaster = await postmasterPid(db.pool);
    await seedAndPublish(db.pool, { hunts: 1, playersPerHunt: Math.ceil(PLAYERS / 40), prefix: PREFIX, knownTokens: true, seed: 11 }, log);
    processes.push(await spawnWorker(db.url));
    bouncer = await startPgbouncer(dir, db.url, await freePort());
    // The same server, another spelling: DATABASE_DIRECT_URL set apart makes the pool unnamed.
    const spelled = new URL(db.url);
    spelled.searchParams.set('sslmode', 'disable');
    const limits = { GUESS_MAX_PER_MINUTE: '1000000', GUESS_FREE_WRONG_PER_CLUE: '1000000' };
    const variants = [] as { name: string; api: ServerProcess }[];
    for (const [name, env] of [
      ['direct, named statements', { DATABASE_URL: db.url }],
      ['direct, unnamed statements', { DATABASE_URL: spelled.toString(), DATABASE_DIRECT_URL: db.url }],
      ['PgBouncer (transaction mode), unnamed', { DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: db.url }],
    ] as const) {
      const api = await spawnApi({ databaseUrl: db.url, port: await freePort(), env: { ...limits, ...env } });
      processes.push(api);
      variants.push({ name, api });
    }
    const playerIds = (await db.pool.query<{ id: string }>(
      `select p.id from generate_series(1, $2::int) as n join players p on p.handle = $1 || '_' || n order by n`, [PREFIX, PLAYERS])).rows.map((r) => r.id);
    const tokens = playerIds.map((_, i) => `${PREFIX}-token-${i + 1}`);
    const runs = new Map(variants.map((v) => [v.name, [] as { rps: number; p50: number; p99: number; api: number; bouncer: number; pg: number; errors: number; once: boolean }[]]));
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another variant: whatever warms up over a round is shared out.
      for (const variant of [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)]) {
        const slug = `pooled-${round}-${variants.indexOf(variant)}`;
        const hunt = await apiCaller(variant.api.url)<{ slug: string; clues: { id: string; position: number }[] }>('POST', '/v1/admin/hunts', {
          slug, title: slug, status: 'live',
          clues: Array.from({ length: CLUES }, (_, i) => ({ title: `Clue ${i + 1}`, body: 'b', points: 10, answers: [`gold ${i + 1}`] })),
        });
        await waitSettled(db.pool, variants.map((v) => v.api.url), 60_000);
        log(`round ${round + 1}: ${variant.name}...`);
        const cpu = () => ({ api: cpuSeconds(variant.api.pid), bouncer: cpuSeconds(bouncer!.child.pid!), pg: serverCpuSeconds(postmaster) });
        let before = cpu();
        const result = await runAnswerLoad({
          urls: [variant.api.url], tokens, hunts: [hunt], rate: 0, mix: { correct: 6 / 7, repeat: 0 },
          warmupSeconds: 2, seconds: SECONDS, seed: round * 10 + variants.indexOf(variant),
        }, () => { before = cpu(); });
        const after = cpu();
        const answered = result.statuses['200'] ?? 0;
        const { rows: [finds] } = await db.pool.query<{ n: number }>(
          'select count(*)::int as n from finds f join hunts h on h.id = f.hunt_id where h.slug = $1', [slug]);
        const acked = new Set(result.acknowledged.map(([p, clue]) => `${p}|${clue}`));
        const perAnswer = (s: number) => (s / Math.max(1, result.sent)) * 1e6;
        runs.get(variant.name)!.push({
          rps: answered / (result.elapsedMs / 1000), p50: result.latency.p50, p99: result.latency.p99,
          api: perAnswer(after.api - before.api), bouncer: perAnswer(after.bouncer - before.bouncer), pg: perAnswer(after.pg - before.pg),
          errors: result.errors + result.sent - answered,
          once: acked.size === result.acknowledged.length && finds!.n === acked.size,
        });
      }
    }
    const base = median(runs.get(variants[0]!.name)!.map((r) => r.rps));
    console.log(`\nAnswers, ${PLAYERS} players in a closed loop (one answer in flight each), 6 in 7 correct, ${SECONDS} s a run after 2 s of warm-up, ${ROUNDS} round(s), medians\n`);
    console.log(table(['API pool', 'answers/s', 'each run', 'vs direct named', 'p50 ms', 'p99 ms', 'API CPU µs/answer', 'PgBouncer CPU µs/answer', 'PostgreSQL CPU µs/answer', 'errors', 'finds once'],
      variants.map((v) => {
        const r = runs.get(v.name)!;
        const m = (f: (x: (typeof r)[number]) => number) => median(r.map(f));
        return [v.name, fmt.int(m((x) => x.rps)), r.map((x) => fmt.int(x.rps)).join(', '), fmt.ratio(m((x) => x.rps) / base), fmt.ms(m((x) => x.p50)), fmt.ms(m((x) => x.p99)),
          fmt.int(m((x) => x.api)), v.name.startsWith('PgBouncer') ? fmt.int(m((x) => x.bouncer)) : '-', fmt.int(m((x) => x.pg)),
          r.reduce((n, x) => n + x.errors, 0), r.every((x) => x.once) ? 'yes' : 'NO'];
      })));
    console.log(`\ndatabase ${db.server}, fsync=${db.settings.fsync}, synchronous_commit=${db.settings.synchronous_commit}; one worker; the three APIs run side by side, loaded one at a time`);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await bouncer?.child.stop(5000);
    await rm(dir, { recursive: true, force: true });
    await db.close();
  }
}

if (values.part !== 'pooler') await edge();
if (values.part !== 'edge') await pooler();
