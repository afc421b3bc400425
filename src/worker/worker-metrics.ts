// What the worker exports about its own pipeline: refreshes, the dirty backlog, the pg-boss
// queues, and per live hunt how many players are active. Gauges backed by the database are read
// at scrape time.
import type { PgBoss } from 'pg-boss';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../core/db.ts';
import { REFRESH_QUEUES } from '../core/queues.ts';

/**
 * A gauge read from the database keeps its last value when the database is unreachable, so the
 * rest of /metrics (and the worker's own health) is still scraped during an outage.
 */
async function readingDatabase(read: () => Promise<void>): Promise<void> {
  try { await read(); } catch { /* keep the last value */ }
}

export interface WorkerMetrics {
  refreshDuration: Histogram<'queue' | 'outcome'>;
  refreshed(queue: string, documents: number): void;
}

export function createWorkerMetrics(registry: Registry, pool: Pool, boss: PgBoss): WorkerMetrics {
  const refreshDuration = new Histogram({
    name: 'treasure_refresh_duration_seconds',
    help: 'Duration of refreshes, by kind (queue: refresh-hunt for one hunt, from a change or an admin job; full-rebuild) and outcome.',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const documents = new Histogram({
    name: 'treasure_refresh_documents',
    help: 'Documents rewritten (new versions and withdrawals) per refresh job: the rows rebuilt.',
    labelNames: ['queue'] as const,
    buckets: [0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 100000],
    registers: [registry],
  });
  const documentsWritten = new Counter({
    name: 'treasure_refresh_documents_written_total',
    help: 'Snapshot documents written by refresh jobs.',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  for (const queue of REFRESH_QUEUES) {
    // Exported at zero from the start (labels() alone does not create the series). The label is
    // `queue`, not `job`: Prometheus owns `job` (the scrape job).
    documents.zero({ queue });
    documentsWritten.inc({ queue }, 0);
    for (const outcome of ['success', 'failure']) refreshDuration.zero({ queue, outcome });
  }
  new Gauge({
    name: 'treasure_dirty_hunts',
    help: 'Hunts whose documents are behind their base tables (the dirty backlog).',
    registers: [registry],
    async collect() {
      await readingDatabase(async () => {
        const { rows } = await pool.query<{ n: number }>(
          'select count(*)::int as n from (select hunt_id from dirty_hunts union select hunt_id from read_model_changes) d');
        this.set(rows[0]?.n ?? 0);
      });
    },
  });
  new Gauge({
    name: 'treasure_dirty_oldest_age_seconds',
    help: 'Age of the oldest change not yet published (0 when none).',
    registers: [registry],
    async collect() {
      await readingDatabase(async () => {
        const { rows } = await pool.query<{ age: number | null }>(
          `select extract(epoch from clock_timestamp() - least(
             (select min(dirty_since) from dirty_hunts), (select min(recorded_at) from read_model_changes)))::float8 as age`);
        this.set(rows[0]?.age ?? 0);
      });
    },
  });
  new Gauge({
    name: 'treasure_queue_jobs',
    help: 'Jobs per pg-boss queue and state (from getQueueStats; pg-boss caches the counts briefly).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      await readingDatabase(async () => {
        for (const queue of REFRESH_QUEUES) {
          const stats = (await boss.getQueueStats(queue)).at(-1);
          this.set({ queue, state: 'queued' }, stats?.queuedCount ?? 0);
          this.set({ queue, state: 'active' }, stats?.activeCount ?? 0);
          this.set({ queue, state: 'failed' }, stats?.failedCount ?? 0);
        }
      });
    },
  });
  new Gauge({
    name: 'treasure_hunt_active_players',
    help: 'Players who answered in the last 10 minutes, per live hunt.',
    labelNames: ['hunt'] as const,
    registers: [registry],
    async collect() {
      await readingDatabase(async () => {
        const { rows } = await pool.query<{ slug: string; players: number }>(
          `select h.slug,
                  (select count(distinct s.player_id) from submissions s
                    where s.hunt_id = h.id and s.submitted_at > now() - interval '10 minutes')::int as players
             from hunts h where h.status = 'live'`);
        // Only live hunts: a hunt that ended drops out instead of lingering at its last value.
        this.reset();
        for (const row of rows) this.set({ hunt: row.slug }, row.players);
      });
    },
  });
  return {
    refreshDuration,
    refreshed(queue, count) {
      documents.observe({ queue }, count);
      documentsWritten.inc({ queue }, count);
    },
  };
}
