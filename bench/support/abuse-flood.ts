// The abuse flood of `npm run bench:abuse`, run as a child process (fork) so its CPU is its own:
// `connections` keep-alive loops, each sending its next request as soon as the last one returns.
// Half of them read the progress of a random player id (a new UUID each request) in a real hunt,
// the other half answer a real clue with a made-up bearer token (a new one each request). Every
// response is counted by kind and status. An answer refused before its body is read comes with
// `Connection: close`: the loop's agent then opens a new connection for the next request.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface FloodSpec {
  /** Base URL of the API (loopback). */
  url: string;
  hunts: { slug: string; clueIds: string[] }[];
  /** Concurrent request loops; even ones read progress, odd ones answer. */
  connections: number;
  seconds: number;
}

export type FloodKind = 'progress' | 'answer';

export interface FloodResult {
  requests: number;
  elapsedMs: number;
  /** Responses by kind and status code. */
  statuses: Record<FloodKind, Record<string, number>>;
  /** Transport errors (no HTTP response), with a few messages. */
  errors: number;
  errorSamples: string[];
  /** Response time of the flood's own requests, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Responses completed per second of the run. */
  perSecond: number[];
  /** Connections opened (sockets created by the loops' agents). */
  connectionsOpened: number;
  cpuSeconds: number;
}

export interface Flood {
  /** Starts the flood now; resolves when it has run `seconds`. */
  go(): Promise<FloodResult>;
  /** Ends the child process (if still running). */
  kill(): void;
}

const SELF = fileURLToPath(import.meta.url);

/** Forks the flood process and resolves once it is loaded and waiting for go(). */
export function startFlood(spec: FloodSpec): Promise<Flood> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(SELF, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let onResult: ((r: FloodResult) => void) | undefined;
    let onExit: ((err: Error) => void) | undefined;
    let result: FloodResult | undefined;
    child.on('message', (msg) => {
      if (msg === 'ready') {
        resolve({
          go: () => new Promise<FloodResult>((res, rej) => {
            onResult = res;
            onExit = rej;
            child.send('go');
          }),
          kill: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
        });
      } else {
        result = msg as FloodResult;
        onResult?.(result);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result) return;
      const err = new Error(`abuse flood exited with ${code}`);
      reject(err);
      onExit?.(err);
    });
    child.send(spec);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(spec: FloodSpec): Promise<FloodResult> {
  const target = new URL(spec.url);
  const statuses: Record<FloodKind, Record<string, number>> = { progress: {}, answer: {} };
  const latencies: number[] = [];
  const perSecond: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let requests = 0;
  let connectionsOpened = 0;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + spec.seconds * 1000;
  const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;

  const send = (agent: http.Agent, kind: FloodKind): Promise<number> => new Promise((resolve, reject) => {
    const hunt = pick(spec.hunts);
    const body = kind === 'answer' ? JSON.stringify({ answer: `gold ${1 + Math.floor(Math.random() * 20)}` }) : '';
    const req = http.request({
      host: target.hostname, port: target.port, agent,
      method: kind === 'answer' ? 'POST' : 'GET',
      path: kind === 'answer'
        ? `/v1/hunts/${hunt.slug}/clues/${pick(hunt.clueIds)}/answers`
        : `/v1/hunts/${hunt.slug}/players/${randomUUID()}`,
      headers: kind === 'answer'
        // A token of the real format (32 random bytes, base64url), never the same twice.
        ? { 'authorization': `Bearer ${randomBytes(32).toString('base64url')}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
        : {},
    }, (res) => {
      if (!req.reusedSocket) connectionsOpened++;
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout after 10 s')));
    req.end(body);
  });

  const loop = async (i: number) => {
    const kind: FloodKind = i % 2 === 0 ? 'progress' : 'answer';
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const status = await send(agent, kind);
        const t1 = performance.now();
        requests++;
        latencies.push(t1 - t0);
        statuses[kind][status] = (statuses[kind][status] ?? 0) + 1;
        const second = Math.floor((t1 - started) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${kind}: ${(err as Error).message}`);
      }
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: spec.connections }, (_, i) => loop(i)));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests, elapsedMs, statuses, errors, errorSamples, connectionsOpened,
    latency: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
    perSecond: Array.from(perSecond, (n) => n ?? 0),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

if (process.argv.includes('--child')) {
  process.once('message', (spec) => {
    process.once('message', () => {
      run(spec as FloodSpec).then((result) => process.send!(result, () => process.exit(0)), (err) => {
        console.error(err);
        process.exit(1);
      });
    });
    process.send!('ready');
  });
  // The bench went away: stop flooding.
  process.on('disconnect', () => process.exit(0));
}
