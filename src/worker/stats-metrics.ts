// The organiser analytics of live hunts as metrics: one series per live hunt and figure (the
// label is the hunt's slug, nothing finer: clues and competitors would make series without bound).
// Read at scrape time from the materialized view hunt_clue_analytics, so the figures are those of
// the last stats refresh, like the admin's stats document.
import { Gauge, type Registry } from 'prom-client';
import type { Pool } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';

interface HuntFigures { slug: string; finds: number; wrong_guesses: number; hints_taken: number; slowest_median: number | null }

export function createStatsMetrics(registry: Registry, pool: Pool): void {
  // One read per scrape for the four gauges: prom-client starts every collect() of a scrape at
  // once, so they all share the read in flight.
  let pending: Promise<HuntFigures[]> | undefined;
  const figures = () => {
    pending ??= readFigures(pool).finally(() => { pending = undefined; });
    return pending;
  };
  const gauge = (name: string, help: string, value: (row: HuntFigures) => number) => new Gauge({
    name, help, labelNames: ['hunt'] as const, registers: [registry],
    async collect() {
      try {
        const rows = await figures();
        // Only live hunts: a hunt that ended drops out instead of lingering at its last value.
        this.reset();
        for (const row of rows) this.set({ hunt: row.slug }, value(row));
      } catch { /* the database is unreachable: keep the last values */ }
    },
  });
  gauge('treasure_hunt_stats_finds', 'Finds per live hunt, every competitor (hidden included), as of the last stats refresh.', (r) => r.finds);
  gauge('treasure_hunt_stats_wrong_guesses', 'Distinct wrong guesses per live hunt, as of the last stats refresh.', (r) => r.wrong_guesses);
  gauge('treasure_hunt_stats_hints_taken', 'Hints bought per live hunt, as of the last stats refresh.', (r) => r.hints_taken);
  gauge('treasure_hunt_stats_slowest_clue_median_seconds',
    'Per live hunt, the largest of its clues\' median seconds from opening to find (the clue players are stuck on); NaN before any find.',
    (r) => r.slowest_median ?? Number.NaN);
}

async function readFigures(pool: Pool): Promise<HuntFigures[]> {
  // Unpopulated until the first stats refresh after the view was (re-)created: live hunts at zero.
  const populated = (await maybeOne<{ ispopulated: boolean }>(pool,
    `select ispopulated from pg_matviews where schemaname = current_schema() and matviewname = 'hunt_clue_analytics'`))?.ispopulated ?? false;
  if (!populated) {
    return many<HuntFigures>(pool,
      `select slug, 0 as finds, 0 as wrong_guesses, 0 as hints_taken, null::float8 as slowest_median from hunts where status = 'live'`);
  }
  return many<HuntFigures>(pool,
    `select h.slug, coalesce(sum(a.finds), 0)::int as finds, coalesce(sum(a.wrong_guesses), 0)::int as wrong_guesses,
            coalesce(sum(a.hints_taken), 0)::int as hints_taken, max(a.median_seconds_to_find) as slowest_median
       from hunts h left join hunt_clue_analytics a on a.hunt_id = h.id
      where h.status = 'live'
      group by h.slug`);
}
