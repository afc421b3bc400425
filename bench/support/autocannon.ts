// autocannon (npm, pinned in devDependencies) for latency at a fixed offered load, always in a
// process of its own: the plain CLI with --overallRate, and the evenly spread variant of
// fixed-rate-client.ts (see there why both).
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './wrk.ts';
import { runMeasured } from './wrk.ts';

const CLI = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));
const SPREAD_CLIENT = fileURLToPath(new URL('./fixed-rate-client.ts', import.meta.url));

export interface FixedRateOptions {
  url: string;
  connections: number;
  /** Requests per second offered in all; unset: as many as the connections get answered. */
  overallRate?: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  cpus?: string;
}

/** `autocannon --overallRate`, one instance, as its CLI runs it (latency CO-corrected by autocannon). */
export async function runAutocannon(opts: FixedRateOptions): Promise<LoadResult & { bytes: number }> {
  const headers = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const rate = opts.overallRate === undefined ? [] : ['--overallRate', String(opts.overallRate)];
  const run = await runMeasured([process.execPath, CLI, '-j', '-n', '-c', String(opts.connections), '-d', String(opts.durationSeconds),
    ...rate, ...headers, opts.url], opts.cpus);
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`autocannon printed no result (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  const r = JSON.parse(line) as {
    duration: number; latency: { p50: number; p90: number; p99: number; max: number };
    requests: { total: number }; throughput: { total: number }; errors: number; timeouts: number; non2xx: number;
  };
  return {
    requests: r.requests.total, seconds: r.duration, rps: r.requests.total / r.duration, bytes: r.throughput.total,
    p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max,
    errors: r.errors + r.non2xx,
    errorDetail: `errors ${r.errors} (of which timeouts ${r.timeouts}), non-2xx ${r.non2xx}`,
    generatorCpu: run.cpu,
  };
}

/** The same offered load from `groups` autocannon instances started evenly across a second. */
export async function runSpreadFixedRate(opts: FixedRateOptions & { overallRate: number; groups?: number }): Promise<LoadResult> {
  const args = { url: opts.url, connections: opts.connections, groups: opts.groups ?? 100, overallRate: opts.overallRate,
    durationSeconds: opts.durationSeconds, headers: opts.headers };
  const run = await runMeasured([process.execPath, SPREAD_CLIENT, JSON.stringify(args)], opts.cpus);
  const line = run.stdout.split('\n').find((l) => l.startsWith('FIXED_RATE_RESULT '));
  if (!line) throw new Error(`fixed-rate client printed no result (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  const r = JSON.parse(line.slice('FIXED_RATE_RESULT '.length)) as Record<string, number>;
  return {
    requests: r.requests!, seconds: r.seconds!, rps: r.requests! / r.seconds!,
    p50: r.p50!, p90: r.p90!, p99: r.p99!, max: r.max!, errors: r.errors! + r.badStatus!,
    errorDetail: `socket errors ${r.errors}, 4xx/5xx ${r.badStatus}`,
    generatorCpu: run.cpu,
  };
}
