// `node bench/support/fixed-rate-client.ts '<json options>'`: a fixed offered load from autocannon
// (its overallRate), spread evenly over each second, run as a process of its own.
//
// Why not one autocannon instance: it paces every connection with a 1-second interval started
// when the connection is created, so all connections of one instance fire together; each sends
// its per-second quota back to back at the top of the second and then waits. That offers the load
// as one burst per second at full concurrency (saturation for part of every second), not a
// steady rate. Here `groups` instances share the rate and the connections and start evenly
// across the first second, so the bursts are small and spread out. Latencies are recorded raw
// per response (autocannon's own coordinated-omission correction assumes a 1 ms interval
// whatever the rate), only while every group is running.
import autocannon from 'autocannon';

interface Options {
  url: string;
  connections: number;
  groups: number;
  overallRate: number;
  durationSeconds: number;
  headers?: Record<string, string>;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
if (opts.durationSeconds < 3) throw new Error('durationSeconds must be at least 3 (the first second is the ramp)');
const latencies: number[] = [];
let errors = 0;
let badStatus = 0;
const started = performance.now();
const windowStart = 1000;
const windowEnd = opts.durationSeconds * 1000;
const inWindow = () => {
  const t = performance.now() - started;
  return t >= windowStart && t < windowEnd;
};

const groups = Array.from({ length: opts.groups }, (_, g) => new Promise<void>((resolve) => {
  setTimeout(() => {
    const share = (total: number) => Math.floor(total / opts.groups) + (g < total % opts.groups ? 1 : 0);
    const instance = autocannon({
      url: opts.url, connections: share(opts.connections), overallRate: share(opts.overallRate),
      duration: opts.durationSeconds, headers: opts.headers ?? {}, timeout: 10,
    }, () => resolve());
    instance.on('response', (_client, status, _bytes, ms) => {
      if (!inWindow()) return;
      latencies.push(ms);
      if (status >= 400) badStatus++;
    });
    instance.on('reqError', () => { if (inWindow()) errors++; });
  }, (g * 1000) / opts.groups);
}));
await Promise.all(groups);

const sorted = Float64Array.from(latencies).sort();
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
console.log(`FIXED_RATE_RESULT ${JSON.stringify({
  requests: sorted.length, seconds: (windowEnd - windowStart) / 1000,
  p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN, errors, badStatus,
})}`);
