// What the API exports: request latency (sub-millisecond buckets: the hot path answers in
// microseconds), traffic and errors, what it serves from memory and how fresh that is, and the
// answers it takes. Labelled series whose label values are known in advance start at zero, so
// dashboards and alerts always have a series to evaluate.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PublishNotice } from '../core/channels.ts';
import type { DocumentKind } from '../core/documents.ts';
import type { SnapshotStore } from './snapshot-store.ts';

const KINDS: DocumentKind[] = ['hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress'];
export const ANSWER_OUTCOMES = ['find', 'already_found', 'wrong', 'rejected', 'rate_limited'] as const;
export type AnswerOutcome = (typeof ANSWER_OUTCOMES)[number];

export interface ApiMetrics {
  /** A request that will be answered later (its response is not ended by the handler's return). */
  requestStarted(): void;
  /** A request answered; `started` says whether requestStarted counted it in flight. */
  requestFinished(method: string, route: string, status: number, seconds: number, started: boolean): void;
  snapshotLookup(hit: boolean): void;
  answer(outcome: AnswerOutcome, hunt?: string): void;
  /** A batch of answers written in one statement. */
  answerBatch(size: number): void;
  observeNotice(notice: PublishNotice): void;
  /** Staleness of a change, observed when the publish containing it is installed in memory. */
  observeStaleness(seconds: number, count?: number): void;
  /** A connection closed on arrival: the process held MAX_CONNECTIONS already. */
  connectionRefused(): void;
}

export function createApiMetrics(registry: Registry, store: SnapshotStore, isReady: () => boolean, openStreams: () => number = () => 0): ApiMetrics {
  // Per-request bookkeeping: prom-client hashes the label set on every call, a visible cost at tens
  // of thousands of requests a second. What can be counted is counted in plain numbers here and
  // handed to prom-client when /metrics is scraped; the histogram's labelled children are found
  // by method, route and status in nested maps (bounded: methods and statuses are few, routes are
  // templates), with no key built per request.
  const durations = new Map<string, Map<string, Map<number, { observe(v: number): void }>>>();
  const responsesByClass = [0, 0, 0, 0, 0, 0]; // index: status / 100
  let inFlightNow = 0;
  const lookupsNow = { hit: 0, miss: 0 };
  const requestDuration = new Histogram({
    name: 'treasure_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Counter({
    name: 'treasure_http_responses_total',
    help: 'HTTP responses by status class.',
    labelNames: ['class'] as const,
    registers: [registry],
    // Known label values are exported from the start, at zero until counted.
    collect() {
      for (let hundreds = 1; hundreds <= 5; hundreds++) {
        if (hundreds === 1 && responsesByClass[1] === 0) continue;
        this.inc({ class: `${hundreds}xx` }, responsesByClass[hundreds]!);
        responsesByClass[hundreds] = 0;
      }
    },
  });
  const refusedConnections = new Counter({
    name: 'treasure_http_connections_refused_total',
    help: 'Connections closed on arrival because the process held MAX_CONNECTIONS open ones.',
    registers: [registry],
  });
  new Gauge({
    name: 'treasure_event_streams_open',
    help: 'Server-sent event streams open (GET /v1/hunts/:slug/events); they count in requests in flight too.',
    registers: [registry],
    collect() { this.set(openStreams()); },
  });
  new Gauge({
    name: 'treasure_http_requests_in_flight',
    help: 'HTTP requests being answered right now.',
    registers: [registry],
    collect() { this.set(inFlightNow); },
  });
  new Counter({
    name: 'treasure_snapshot_lookups_total',
    help: 'Snapshot reads answered from memory (hit) or not found there (miss).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      for (const result of ['hit', 'miss'] as const) {
        this.inc({ result }, lookupsNow[result]);
        lookupsNow[result] = 0;
      }
    },
  });
  const staleness = new Histogram({
    name: 'treasure_snapshot_staleness_seconds',
    help: 'From the commit of an accepted answer (clock_timestamp() at the end of its transaction) to the first published documents containing it being installed in this process.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60],
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
  const answers = new Counter({
    name: 'treasure_answers_total',
    help: 'Answer submissions by outcome (rejected: refused with a 4xx other than 429).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ANSWER_OUTCOMES) answers.inc({ outcome }, 0);
  const huntAnswers = new Counter({
    name: 'treasure_hunt_answers_total',
    help: 'Accepted answer submissions per live hunt, by outcome.',
    labelNames: ['hunt', 'outcome'] as const,
    registers: [registry],
  });
  const answerBatches = new Histogram({
    name: 'treasure_answer_batch_size',
    help: 'Answers written per statement and commit: those that arrived while earlier ones were being written go together.',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  new Gauge({
    name: 'treasure_snapshot_age_seconds',
    help: 'Age of the oldest document of each kind held in memory (since its content last changed).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const oldest = new Map<DocumentKind, number>();
      for (const doc of [...store.documents.values(), ...store.progress.documents()]) {
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
    help: 'Documents held in memory (progress documents: those read recently).',
    registers: [registry],
    collect() { this.set(store.documents.size + store.progress.size); },
  });
  new Gauge({
    name: 'treasure_database_up',
    help: '1 when the last database round trip of the snapshot loader succeeded.',
    registers: [registry],
    collect() { this.set(store.databaseUp ? 1 : 0); },
  });
  new Gauge({
    name: 'treasure_api_ready',
    help: '1 when this API process can serve (snapshots loaded).',
    registers: [registry],
    collect() { this.set(isReady() ? 1 : 0); },
  });

  return {
    requestStarted: () => { inFlightNow++; },
    requestFinished(method, route, status, seconds, started) {
      if (started) inFlightNow--;
      responsesByClass[Math.min(5, Math.max(1, Math.floor(status / 100)))]!++;
      let byRoute = durations.get(method);
      if (!byRoute) durations.set(method, byRoute = new Map());
      let byStatus = byRoute.get(route);
      if (!byStatus) byRoute.set(route, byStatus = new Map());
      let duration = byStatus.get(status);
      if (!duration) byStatus.set(status, duration = requestDuration.labels({ method, route, status: String(status) }));
      duration.observe(seconds);
    },
    answerBatch: (size) => answerBatches.observe(size),
    snapshotLookup: (hit) => { lookupsNow[hit ? 'hit' : 'miss']++; },
    answer(outcome, hunt) {
      answers.inc({ outcome });
      if (hunt && (outcome === 'find' || outcome === 'already_found' || outcome === 'wrong')) huntAnswers.inc({ hunt, outcome });
    },
    observeNotice(notice) {
      published.inc();
      if (Number.isFinite(notice.refreshMs)) refreshDuration.observe(notice.refreshMs / 1000);
    },
    observeStaleness: (seconds, count = 1) => {
      for (let i = 0; i < count; i++) staleness.observe(Math.max(0, seconds));
    },
    connectionRefused: () => refusedConnections.inc(),
  };
}
