// Server-side latency from a Prometheus histogram: scrape before and after a run, subtract the
// cumulative bucket counts, and read a quantile from the difference the way PromQL's
// histogram_quantile does (linear within the bucket that holds it).

export type Labels = Record<string, string>;

/** Cumulative counts per upper bound (le) of one histogram, summed over the series `keep` selects. */
export interface HistogramSnapshot { buckets: Map<number, number>; count: number; sum: number }

function parseLabels(text: string): Labels {
  const labels: Labels = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
  return labels;
}

/** The value of the first series of `name` (a gauge or counter, with or without labels), NaN if absent. */
export function sampleValue(exposition: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(exposition)?.[1] ?? NaN);
}

export function parseHistogram(exposition: string, name: string, keep: (labels: Labels) => boolean): HistogramSnapshot {
  const snapshot: HistogramSnapshot = { buckets: new Map(), count: 0, sum: 0 };
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = parseLabels(m[2] ?? '');
    const value = Number(m[3]);
    if (m[1] === `${name}_bucket`) {
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      delete labels.le;
      if (keep(labels)) snapshot.buckets.set(le, (snapshot.buckets.get(le) ?? 0) + value);
    } else if (keep(labels)) {
      if (m[1] === `${name}_count`) snapshot.count += value;
      if (m[1] === `${name}_sum`) snapshot.sum += value;
    }
  }
  return snapshot;
}

export async function scrapeHistogram(metricsUrl: string, name: string, keep: (labels: Labels) => boolean): Promise<HistogramSnapshot> {
  const res = await fetch(metricsUrl);
  if (res.status !== 200) throw new Error(`${metricsUrl}: ${res.status}`);
  return parseHistogram(await res.text(), name, keep);
}

/** What was observed between two snapshots (itself a snapshot: counts since `before`). */
export function difference(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  const buckets = new Map([...after.buckets].map(([le, n]) => [le, n - (before.buckets.get(le) ?? 0)]));
  return { buckets, count: after.count - before.count, sum: after.sum - before.sum };
}

/** Two differences together (e.g. several runs of the same routes). */
export function combine(a: HistogramSnapshot, b: HistogramSnapshot): HistogramSnapshot {
  const buckets = new Map(a.buckets);
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  return { buckets, count: a.count + b.count, sum: a.sum + b.sum };
}

export const emptyHistogram = (): HistogramSnapshot => ({ buckets: new Map(), count: 0, sum: 0 });

/** The q-quantile of a snapshot (NaN when it holds no observation). */
export function quantile(q: number, h: HistogramSnapshot): number {
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => h.buckets.get(le)!);
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    if (upper === Infinity) return lower; // as histogram_quantile: the highest finite bound
    const below = i === 0 ? 0 : counts[i - 1]!;
    return lower + ((upper - lower) * (rank - below)) / (counts[i]! - below);
  }
  return NaN;
}
