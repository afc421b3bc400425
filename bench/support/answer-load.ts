// Load generator for answer submissions, run as a child process (fork) so its CPU is its own and
// can be measured apart from the API's. Each simulated player has at most one request in flight and
// a fixed schedule (open loop at `rate` answers/s in total; rate 0: closed loop, next answer as soon
// as the last one returns). It remembers every acknowledged new find so the caller can check them
// against the database. A warm-up runs first in the same process, on the same connections and
// players: the measured part starts warm, not with hundreds of connections opened at once.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../test/support/seeded-random.ts';

export interface AnswerLoadSpec {
  urls: string[];
  /** Bearer tokens, one per simulated player (index = player number in the results). */
  tokens: string[];
  hunts: { slug: string; clues: { id: string; position: number }[] }[];
  /** Answers per second over all players; 0 = closed loop. */
  rate: number;
  seconds: number;
  /** Seconds of the same load before the measured part (its answers are acknowledged, not measured). */
  warmupSeconds?: number;
  /** Fractions of new correct answers and repeated guesses; the rest are new wrong guesses. */
  mix: { correct: number; repeat: number };
  seed: number;
  /**
   * Per player (index as tokens), the indexes into `hunts` it answers in (e.g. a team hunt's members
   * only in that hunt); unset, or no entry for a player: every hunt.
   */
  playerHunts?: number[][];
}

type Kind = 'correct' | 'wrong' | 'repeat';

export interface AnswerLoadResult {
  sent: number;
  elapsedMs: number;
  /** Latency from sending to the full response, in ms: sorted percentiles. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Latency from the scheduled send time (includes waiting for the player's previous answer). */
  scheduledLatency: { p50: number; p99: number; max: number };
  byKind: Record<Kind, number>;
  /** What the API answered (200s): a new find, correct but already found, wrong. */
  outcomes: { newFind: number; alreadyFound: number; wrong: number };
  statuses: Record<string, number>;
  /** Transport errors (no HTTP response), with a few messages. */
  errors: number;
  errorSamples: string[];
  /** [player index, clue id] of every answer acknowledged as a new find (the warm-up's included). */
  acknowledged: [number, string][];
  /** Per second of the run: responses completed, and the slowest of them (ms). */
  perSecond: number[];
  perSecondMax: number[];
  /** CPU seconds (user + system) this load generator used while sending. */
  cpuSeconds: number;
}

const SELF = fileURLToPath(import.meta.url);

/**
 * Runs the load in a child process and resolves with the measured part's results; `onMeasuring`
 * is called when the warm-up is over and the measured part starts.
 */
export function runAnswerLoad(spec: AnswerLoadSpec, onMeasuring: () => void = () => undefined): Promise<AnswerLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: AnswerLoadResult | undefined;
    child.on('message', (msg) => {
      if (msg === 'measuring') onMeasuring();
      else result = msg as AnswerLoadResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`answer load exited with ${code}`))));
    child.send(spec);
  });
}


function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(spec: AnswerLoadSpec, onMeasuring: () => void): Promise<AnswerLoadResult> {
  const rnd = seededRandom(spec.seed);
  // One keep-alive agent per API; a player never has two requests in flight, so sockets <= players.
  const agents = spec.urls.map(() => new http.Agent({ keepAlive: true, maxSockets: Infinity }));
  const targets = spec.urls.map((u) => new URL(u));
  const clues = spec.hunts.flatMap((h) => h.clues.map((c) => ({ slug: h.slug, ...c })));
  const cluesOf = spec.tokens.map((_, p) => {
    const own = spec.playerHunts?.[p];
    return own ? own.flatMap((i) => spec.hunts[i]!.clues.map((c) => ({ slug: spec.hunts[i]!.slug, ...c }))) : clues;
  });
  const acknowledged: [number, string][] = [];
  // Per player, across the warm-up and the measured part: what it answered right, and its guesses.
  const answeredRight = spec.tokens.map(() => new Set<string>());
  const guesses = spec.tokens.map((): { clue: (typeof clues)[number]; answer: string }[] => []);

  const post = (player: number, path: string, body: string): Promise<{ status: number; text: string }> => {
    const target = targets[player % targets.length]!;
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: target.hostname, port: target.port, path, method: 'POST', agent: agents[player % agents.length],
        headers: { 'authorization': `Bearer ${spec.tokens[player]}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
      req.end(body);
    });
  };

  const phase = async (seconds: number) => {
    const service: number[] = [];
    const scheduled: number[] = [];
    const byKind: Record<Kind, number> = { correct: 0, wrong: 0, repeat: 0 };
    const outcomes = { newFind: 0, alreadyFound: 0, wrong: 0 };
    const statuses: Record<string, number> = {};
    const perSecond: number[] = [];
    const perSecondMax: number[] = [];
    const errorSamples: string[] = [];
    let errors = 0;
    let sent = 0;
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const interval = spec.rate > 0 ? (spec.tokens.length / spec.rate) * 1000 : 0;

    const player = async (p: number) => {
      const right = answeredRight[p]!;
      const made = guesses[p]!;
      const clues = cluesOf[p]!;
      let next = started + rnd() * interval;
      // Behind schedule (the server is slower than the offered rate) a player sends back to back,
      // but never after the deadline: the run lasts `seconds`, and what was not sent is not counted.
      while (next < deadline && performance.now() < deadline) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const x = rnd();
        let kind: Kind;
        let clue: (typeof clues)[number];
        let answer: string;
        if (x < spec.mix.repeat && made.length > 0) {
          kind = 'repeat';
          ({ clue, answer } = made[Math.floor(rnd() * made.length)]!);
        } else if (x < spec.mix.repeat + spec.mix.correct) {
          kind = 'correct';
          // A clue this player has not answered right yet (a few tries; else any clue).
          clue = clues[Math.floor(rnd() * clues.length)]!;
          for (let i = 0; i < 5 && right.has(clue.id); i++) clue = clues[Math.floor(rnd() * clues.length)]!;
          right.add(clue.id);
          answer = rnd() < 0.5 ? `gold ${clue.position}` : `Gold ${clue.position}!`;
        } else {
          kind = 'wrong';
          clue = clues[Math.floor(rnd() * clues.length)]!;
          answer = `silver ${Math.floor(rnd() * 1e9)}`;
        }
        if (kind !== 'repeat') made.push({ clue, answer });
        byKind[kind]++;
        sent++;
        const t0 = performance.now();
        try {
          const res = await post(p, `/v1/hunts/${clue.slug}/clues/${clue.id}/answers`, JSON.stringify({ answer }));
          const t1 = performance.now();
          service.push(t1 - t0);
          scheduled.push(t1 - Math.min(t0, next));
          const second = Math.floor((t1 - started) / 1000);
          perSecond[second] = (perSecond[second] ?? 0) + 1;
          perSecondMax[second] = Math.max(perSecondMax[second] ?? 0, t1 - t0);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 200) {
            const body = JSON.parse(res.text) as { correct: boolean; alreadyFound: boolean; points: number };
            if (!body.correct) outcomes.wrong++;
            else if (body.alreadyFound) outcomes.alreadyFound++;
            else { outcomes.newFind++; acknowledged.push([p, clue.id]); }
          }
        } catch (err) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(String((err as Error).message));
        }
        next = interval > 0 ? next + interval : performance.now();
      }
    };
    await Promise.all(spec.tokens.map((_, p) => player(p)));
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuAtStart);
    const sorted = Float64Array.from(service).sort();
    const sortedScheduled = Float64Array.from(scheduled).sort();
    return {
      sent, elapsedMs,
      latency: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
      scheduledLatency: { p50: percentile(sortedScheduled, 50), p99: percentile(sortedScheduled, 99), max: sortedScheduled.at(-1) ?? 0 },
      byKind, outcomes, statuses, errors, errorSamples, acknowledged,
      perSecond: Array.from(perSecond, (n) => n ?? 0),
      perSecondMax: Array.from(perSecondMax, (n) => n ?? 0),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  };

  if (spec.warmupSeconds) await phase(spec.warmupSeconds);
  onMeasuring();
  const result = await phase(spec.seconds);
  for (const agent of agents) agent.destroy();
  return result;
}

if (process.argv.includes('--child')) {
  process.once('message', (spec) => {
    run(spec as AnswerLoadSpec, () => process.send!('measuring')).then((result) => process.send!(result, () => process.exit(0)), (err) => {
      console.error(err);
      process.exit(1);
    });
  });
}
