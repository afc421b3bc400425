// What the API exports: request latency (sub-millisecond buckets: the hot path answers in
// microseconds), the age of what it serves, and what it learns from the worker's publishes.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PublishNotice } from '../core/channels.ts';
import type { DocumentKind } from '../core/documents.ts';
import type { SnapshotStore } from './snapshot-store.ts';

const KINDS: DocumentKind[] = ['hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress'];

export interface ApiMetrics {
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  observeNotice(notice: PublishNotice): void;
}

export function createApiMetrics(registry: Registry, store: SnapshotStore): ApiMetrics {
  const requestDuration = new Histogram({
    name: 'treasure_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const refreshDuration = new Histogram({
    name: 'treasure_published_refresh_duration_seconds',
    help: 'Duration of the refreshes whose publishes this API process received.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const published = new Counter({
    name: 'treasure_publishes_received_total',
    help: 'Publish notifications received from the worker.',
    registers: [registry],
  });
  new Gauge({
    name: 'treasure_snapshot_age_seconds',
    help: 'Age of the oldest document of each kind held in memory (since its content last changed).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const oldest = new Map<DocumentKind, number>();
      for (const doc of store.documents.values()) {
        const current = oldest.get(doc.kind);
        if (current === undefined || doc.generatedAtMs < current) oldest.set(doc.kind, doc.generatedAtMs);
      }
      const now = Date.now();
      for (const kind of KINDS) {
        const at = oldest.get(kind);
        this.set({ kind }, at === undefined ? 0 : (now - at) / 1000);
      }
    },
  });
  new Gauge({
    name: 'treasure_snapshot_documents',
    help: 'Documents held in memory.',
    registers: [registry],
    collect() { this.set(store.documents.size); },
  });
  new Gauge({
    name: 'treasure_database_up',
    help: '1 when the last database round trip of the snapshot loader succeeded.',
    registers: [registry],
    collect() { this.set(store.databaseUp ? 1 : 0); },
  });
  return {
    requestDuration,
    observeNotice(notice) {
      published.inc();
      if (Number.isFinite(notice.refreshMs)) refreshDuration.observe(notice.refreshMs / 1000);
    },
  };
}
