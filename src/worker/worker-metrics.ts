// What the worker exports about its own pipeline.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../core/db.ts';

export interface WorkerMetrics {
  refreshDuration: Histogram<'job' | 'outcome'>;
  documentsWritten: Counter<'job'>;
}

export function createWorkerMetrics(registry: Registry, pool: Pool): WorkerMetrics {
  const refreshDuration = new Histogram({
    name: 'treasure_refresh_duration_seconds',
    help: 'Duration of refresh jobs, by job kind and outcome.',
    labelNames: ['job', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  for (const job of ['refresh-hunt', 'full-rebuild']) {
    for (const outcome of ['success', 'failure']) refreshDuration.labels(job, outcome);
  }
  const documentsWritten = new Counter({
    name: 'treasure_refresh_documents_written_total',
    help: 'Snapshot documents written (new versions and withdrawals) by refresh jobs.',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  documentsWritten.labels('refresh-hunt');
  documentsWritten.labels('full-rebuild');
  new Gauge({
    name: 'treasure_dirty_hunts',
    help: 'Hunts whose documents are behind their base tables (the dirty backlog).',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from dirty_hunts');
      this.set(rows[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'treasure_dirty_oldest_age_seconds',
    help: 'Age of the oldest dirty hunt (0 when none).',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ age: number | null }>(
        'select extract(epoch from clock_timestamp() - min(dirty_since))::float8 as age from dirty_hunts');
      this.set(rows[0]?.age ?? 0);
    },
  });
  return { refreshDuration, documentsWritten };
}
