// The stats-refresh job: the organiser analytics. Refreshes the materialized views of sql/views
// (hunt_clue_analytics, hunt_finds_per_hour, hunt_bigboard_cells) CONCURRENTLY, so admins reading
// them are never blocked, then writes every hunt's stats document (hunt_stats_documents), all in one
// transaction: a reader sees the views and documents of one refresh or of the one before, never a
// mix. Aggregates over every competitor that need no sub-second freshness: a pg-boss job, once per
// STATS_REFRESH_SECONDS across all workers and on an admin's request (POST /v1/admin/refresh
// {"stats": true}), never on the answer path.
import type { Job, PgBoss } from 'pg-boss';
import type { StatsDocument } from '../core/analytics-documents.ts';
import type { Pool } from '../core/db.ts';
import { many, one, withTransaction } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { STATS_REFRESH_QUEUE, type StatsRefreshJob } from '../core/queues.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/** Refreshed in this order, in one transaction (every job locks them in the same order: no deadlock). */
export const STATS_VIEWS = ['hunt_clue_analytics', 'hunt_finds_per_hour', 'hunt_bigboard_cells'] as const;

export interface StatsRefreshOutcome {
  hunts: number;
  /** False the first time after the views were (re-)created WITH NO DATA: CONCURRENTLY needs a populated view. */
  concurrently: boolean;
  /** Milliseconds each view's REFRESH took. */
  viewsMs: Record<string, number>;
  durationMs: number;
  generatedAt: string;
}

interface ClueRow {
  hunt_id: string; slug: string; clue_id: string | null; position: number; title: string;
  finds: number | null; wrong_guesses: number | null; hints_taken: number | null;
  median_seconds_to_find: number | null; first_find_at: Date | null;
}

export async function refreshStats(pool: Pool): Promise<StatsRefreshOutcome> {
  const started = performance.now();
  return withTransaction(pool, async (tx) => {
    // Taken before the first refresh: every change committed before it is in the figures.
    const { now } = await one<{ now: Date }>(tx, 'select clock_timestamp() as now');
    const populated = await many<{ matviewname: string; ispopulated: boolean }>(tx,
      'select matviewname, ispopulated from pg_matviews where schemaname = current_schema() and matviewname = any($1)', [STATS_VIEWS]);
    const concurrently = STATS_VIEWS.every((v) => populated.some((p) => p.matviewname === v && p.ispopulated));
    const viewsMs: Record<string, number> = {};
    for (const view of STATS_VIEWS) {
      const t = performance.now();
      // Names from the constant above, never from input.
      await tx.query(`refresh materialized view ${concurrently ? 'concurrently ' : ''}${view}`);
      viewsMs[view] = Math.round(performance.now() - t);
    }

    const clues = await many<ClueRow>(tx,
      `select h.id as hunt_id, h.slug, c.id as clue_id, c.position, c.title, a.finds, a.wrong_guesses, a.hints_taken,
              a.median_seconds_to_find, a.first_find_at
         from hunts h
         left join clues c on c.hunt_id = h.id
         left join hunt_clue_analytics a on a.hunt_id = h.id and a.clue_id = c.id
        order by h.id, c.position`);
    const hours = await many<{ hunt_id: string; hour: Date; finds: number }>(tx,
      'select hunt_id, hour, finds from hunt_finds_per_hour order by hunt_id, hour');

    const generatedAt = now.toISOString();
    const documents = new Map<string, StatsDocument>();
    for (const row of clues) {
      let doc = documents.get(row.hunt_id);
      if (!doc) documents.set(row.hunt_id, doc = { hunt: row.slug, generatedAt, clues: [], findsPerHour: [] });
      if (row.clue_id === null) continue; // a hunt without clues
      doc.clues.push({
        clueId: row.clue_id, position: row.position, title: row.title,
        // A clue added after the view's snapshot has no row yet: nothing happened to it.
        finds: row.finds ?? 0, wrongGuesses: row.wrong_guesses ?? 0, hintsTaken: row.hints_taken ?? 0,
        medianSecondsToFind: row.median_seconds_to_find, firstFindAt: row.first_find_at?.toISOString() ?? null,
      });
    }
    for (const row of hours) documents.get(row.hunt_id)?.findsPerHour.push({ hour: row.hour.toISOString(), finds: row.finds });

    const ids = [...documents.keys()];
    await tx.query(
      `insert into hunt_stats_documents (hunt_id, body, generated_at)
       select hunt_id, body, $3 from unnest($1::uuid[], $2::text[]) as d(hunt_id, body)
       on conflict (hunt_id) do update set body = excluded.body, generated_at = excluded.generated_at`,
      [ids, ids.map((id) => JSON.stringify(documents.get(id))), now]);
    return { hunts: ids.length, concurrently, viewsMs, durationMs: Math.round(performance.now() - started), generatedAt };
  });
}

/** Works the stats-refresh queue: one job at a time per worker (pg-boss's singleton key: one across workers). */
export async function workStatsRefresh(boss: PgBoss, pool: Pool, metrics: WorkerMetrics, log: Logger): Promise<void> {
  await boss.work<StatsRefreshJob>(STATS_REFRESH_QUEUE,
    { batchSize: 1, localConcurrency: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 },
    async ([job]: Job<StatsRefreshJob>[]) => {
      const end = metrics.refreshDuration.startTimer({ queue: STATS_REFRESH_QUEUE });
      try {
        const outcome = await refreshStats(pool);
        end({ outcome: 'success' });
        metrics.refreshed(STATS_REFRESH_QUEUE, outcome.hunts);
        log.info('stats refreshed', { reason: job?.data?.reason, ...outcome });
        return outcome;
      } catch (err) {
        end({ outcome: 'failure' });
        log.warn('stats refresh failed; pg-boss retries it', { err });
        throw err;
      }
    });
}
