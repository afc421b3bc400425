// `npm run bench:push -- [--streams 10000] [--listeners 1000] [--publishes 30]`
// Server-sent events (GET /v1/hunts/:slug/events) from one API process with a worker, on a
// database of their own (DATABASE_URL's server if set, else an embedded one):
// 1. memory: the API's resident memory before and after `--streams` open streams (opened in
//    batches over loopback, spread over 20 hunts), target < 64 MiB more;
// 2. push latency: `--listeners` streams of one hunt, then `--publishes` answers one after the
//    other (each a publish); for each publish, when each stream received its event. The first
//    stream to hear of a publish hears of it right after its installation (events are written in
//    the install's own turn of the event loop), so "from installation" is measured as from the
//    first receipt, plus that first receipt's own delay after the answer was acknowledged,
//    reported apart (it is the worker's refresh, not the push). Target p99 < 250 ms.
// The bench's own process parses every stream: what it measures includes its own event loop.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { apiCaller } from './support/api-call.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { residentMemory, spawnApi, type ServerProcess } from './support/processes.ts';
import { fmt, machine, sleep, table } from './support/report.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: {
  streams: { type: 'string', default: '10000' }, listeners: { type: 'string', default: '1000' },
  publishes: { type: 'string', default: '30' },
} });
const STREAMS = Number(values.streams);
const LISTENERS = Number(values.listeners);
const PUBLISHES = Number(values.publishes);
const TARGET = { memoryMiB: 64, p99Ms: 250 };
const HUNTS = 20;

const log = (msg: string) => console.log(`[bench:push] ${msg}`);
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);

interface Stream { req: http.ClientRequest; received: Map<number, number> }
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

/** Opens a stream; resolves once its headers arrived. Records when each event id arrived. */
function openStream(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const received = new Map<number, number>();
    const req = http.get(url, { agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const id = /^id: (\d+)$/m.exec(buffered.slice(0, end));
          if (id) received.set(Number(id[1]), at);
          buffered = buffered.slice(end + 2);
        }
      });
      res.on('error', () => undefined);
      resolve({ req, received });
    });
    req.on('error', reject);
  });
}

const db = await openDurableDatabase('push', log);
const processes: ServerProcess[] = [];
const streams: Stream[] = [];
try {
  const api = await spawnApi({ databaseUrl: db.url, port: await freePort() });
  processes.push(api, await spawnWorker(db.url));
  const call = apiCaller(api.url);
  const hunts = [];
  for (let h = 0; h < HUNTS; h++) {
    hunts.push(await call('POST', '/v1/admin/hunts', {
      slug: `push-${h}`, title: `Push ${h}`, status: 'live',
      clues: Array.from({ length: PUBLISHES }, (_, c) => ({ title: `Clue ${c}`, body: 'b', points: 10, answers: [`a${c}`] })),
    }));
  }
  for (let h = 0; h < HUNTS; h++) {
    for (let i = 0; ; i++) {
      if ((await fetch(`${api.url}/v1/hunts/push-${h}`)).status === 200) break;
      if (i > 500) throw new Error('hunts not published');
      await sleep(20);
    }
  }
  await sleep(1000);

  // 1. Memory of open streams.
  const metric = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await (await fetch(`${api.url}/metrics`)).text())?.[1]);
  const heapBefore = await metric('nodejs_heap_size_used_bytes');
  const before = residentMemory(api.pid).rss;
  const started = performance.now();
  for (let i = 0; i < STREAMS; i += 500) {
    const batch = Array.from({ length: Math.min(500, STREAMS - i) }, (_, j) => openStream(`${api.url}/v1/hunts/push-${(i + j) % HUNTS}/events`));
    streams.push(...await Promise.all(batch));
  }
  log(`${fmt.int(streams.length)} streams open in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sleep(3000);
  const after = residentMemory(api.pid).rss;
  // And once settled: V8 may have collected what opening them left behind.
  await sleep(10_000);
  log(`  10 s later: rss ${fmt.mb(residentMemory(api.pid).rss)}, heap used ${fmt.mb(await metric('nodejs_heap_size_used_bytes'))}, `
    + `heap total ${fmt.mb(await metric('nodejs_heap_size_total_bytes'))}`);
  const openMetric = await metric('treasure_event_streams_open');
  const heapAfter = await metric('nodejs_heap_size_used_bytes');
  const grewMiB = (after - before) / 2 ** 20;
  log(`API resident memory ${fmt.mb(before)} -> ${fmt.mb(after)} (+${grewMiB.toFixed(1)} MiB, ${((after - before) / streams.length / 1024).toFixed(1)} KiB a stream); V8 heap used ${fmt.mb(heapBefore)} -> ${fmt.mb(heapAfter)}; treasure_event_streams_open ${openMetric}`);
  for (const s of streams.splice(0)) s.req.destroy();
  await sleep(2000);

  // 2. Push latency to the listeners of one hunt.
  const listeners: Stream[] = [];
  for (let i = 0; i < LISTENERS; i += 500) {
    listeners.push(...await Promise.all(Array.from({ length: Math.min(500, LISTENERS - i) }, () => openStream(`${api.url}/v1/hunts/push-0/events`))));
  }
  streams.push(...listeners);
  await sleep(1000);
  const player = await call('POST', '/v1/players', { handle: 'push_player' });
  const spread: number[] = [];
  const firstDelay: number[] = [];
  let missing = 0;
  for (let c = 0; c < PUBLISHES; c++) {
    const known = new Set(listeners[0]!.received.keys());
    await call('POST', `/v1/hunts/push-0/clues/${hunts[0].clues[c].id}/answers`, { answer: `a${c}` }, player.token);
    const acked = performance.now();
    // Wait for the publish that includes it: a new id on the first stream, then for every stream.
    let seq: number | undefined;
    for (let i = 0; i < 500 && seq === undefined; i++) {
      seq = [...listeners[0]!.received.keys()].find((id) => !known.has(id));
      if (seq === undefined) await sleep(10);
    }
    if (seq === undefined) throw new Error(`publish ${c}: no event within 5 s`);
    await sleep(300);
    const times = listeners.map((s) => s.received.get(seq!));
    missing += times.filter((t) => t === undefined).length;
    const first = Math.min(...times.filter((t): t is number => t !== undefined));
    for (const t of times) if (t !== undefined) spread.push(t - first);
    firstDelay.push(first - acked);
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(`\n${table(['measure', 'figure', 'target', 'result'], [
    [`API resident memory, ${fmt.int(STREAMS)} open streams (20 hunts)`, `+${grewMiB.toFixed(1)} MiB (${fmt.mb(before)} -> ${fmt.mb(after)})`,
      `< ${TARGET.memoryMiB} MiB`, grewMiB < TARGET.memoryMiB ? 'PASS' : 'FAIL'],
    [`a publish reaching ${fmt.int(LISTENERS)} streams, from its installation (the first stream's receipt): p50 / p99 / max`,
      `${fmt.ms(q(spread, 0.5))} / ${fmt.ms(q(spread, 0.99))} / ${fmt.ms(Math.max(...spread))} ms (${PUBLISHES} publishes; ${missing} receipts missing)`,
      `p99 < ${TARGET.p99Ms} ms`, q(spread, 0.99) < TARGET.p99Ms && missing === 0 ? 'PASS' : 'FAIL'],
    ['the first receipt after the answer was acknowledged (the worker\'s refresh): p50 / max',
      `${fmt.ms(q(firstDelay, 0.5))} / ${fmt.ms(Math.max(...firstDelay))} ms`, '', ''],
  ])}`);
  console.log(`\ndatabase ${db.server}; one API process, one worker; the bench's own process parses every stream`);
} finally {
  for (const s of streams) s.req.destroy();
  for (const p of processes.reverse()) await p.stop();
  await db.close();
}
