// Runs hunt refreshes as changes are announced, without a job per change: a pg-boss job costs three
// write transactions (send, fetch, complete), as much database time as the incremental refresh
// itself, and its queueing adds latency to every answer's way to the readers.
//
// In this process: at most one refresh of a hunt at a time (a request arriving while it runs
// makes it run once more afterwards, so nothing committed meanwhile waits for the sweep), at most
// `concurrency` batches at once, hunts served first come, first served. A batch takes hunts
// waiting whose last publish the worker remembers (its share over the free slots, up to
// MAX_BATCH) and publishes them together: under light load a batch is one hunt, under heavy load
// the database's cost per hunt falls as batches grow.
// Across workers: the hunt lock. Batches take it without waiting; a hunt another worker holds is
// skipped here, because that worker heard the same NOTIFY while running it and runs it again.
// An admin's refreshNow runs alone and waits for the lock.
// Pacing: a hunt's refreshes start at least `minIntervalMs` apart (an admin's refreshNow excepted).
// A change to a quiet hunt is refreshed at once; a hunt changing all the time is refreshed once per
// interval with everything that came meanwhile, instead of back to back as fast as the machine
// allows, which under a flood of answers spent more on republishing than on taking the answers.
// Failures retry with back-off. Under all of it, the change rows stay in the database until a
// publish consumes them, and DirtyTrigger's sweep re-requests whatever is left.
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import type { PublishedStateCache } from './published-state-cache.ts';
import { MAX_BATCH, refreshHunt, refreshHunts, type HuntRefresh, type RefreshOutcome } from './refresh-hunt.ts';

const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 10_000];

interface Request {
  /** Wait for the hunt lock (a refresh someone waits for) rather than skip a hunt that is busy. */
  wait: boolean;
  waiters: { resolve(outcome: RefreshOutcome): void; reject(err: unknown): void }[];
}

export interface RefreshSchedulerOptions {
  pool: Pool;
  concurrency: number;
  cache: PublishedStateCache;
  log: Logger;
  /** Least time between the starts of two refreshes of one hunt (0: back to back). */
  minIntervalMs: number;
  /** Called after every refresh that ran (not after a skipped one), with its outcome or error. */
  onRefreshed?(outcome: RefreshOutcome | undefined, err: unknown, ms: number): void;
}

export class RefreshScheduler {
  /** Hunts waiting for a slot, in arrival order. */
  private readonly waiting = new Map<string, Request>();
  /** Hunts refreshing now, with the request that arrived meanwhile (null: none yet). */
  private readonly running = new Map<string, Request | null>();
  /** Batches and admin refreshes running now. */
  private slots = 0;
  /** Failures in a row per hunt, and the timer of its next retry. */
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** When each hunt's last refresh started (performance.now()), for pacing. */
  private readonly lastStarted = new Map<string, number>();
  /** Wakes pump() when the earliest paced hunt may start. */
  private paceTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idle: (() => void) | undefined;
  private readonly opts: RefreshSchedulerOptions;

  constructor(opts: RefreshSchedulerOptions) {
    this.opts = opts;
  }

  /** Refresh the hunt soon (in the next batch); skipped if another worker is refreshing it. */
  request(huntId: string): void {
    // A hunt backing off after a failure waits for its retry: its changes are safe in the database.
    if (this.stopped || this.retryTimers.has(huntId)) return;
    this.enqueue(huntId, { wait: false, waiters: [] });
  }

  /** Refresh the hunt, waiting for another worker's refresh of it if need be (admin jobs). */
  refreshNow(huntId: string): Promise<RefreshOutcome> {
    if (this.stopped) return Promise.reject(new Error('refresh scheduler stopped'));
    return new Promise((resolve, reject) => this.enqueue(huntId, { wait: true, waiters: [{ resolve, reject }] }));
  }

  /** Stops taking requests and waits for the refreshes running now; waiting ones are rejected. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.paceTimer);
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    const dropped = [...this.waiting.values(), ...[...this.running.values()].filter((r): r is Request => r !== null)];
    this.waiting.clear();
    for (const key of this.running.keys()) this.running.set(key, null);
    for (const request of dropped) for (const w of request.waiters) w.reject(new Error('refresh scheduler stopped'));
    if (this.slots > 0) await new Promise<void>((resolve) => { this.idle = resolve; });
  }

  private enqueue(huntId: string, request: Request): void {
    clearTimeout(this.retryTimers.get(huntId)); // an admin's refreshNow runs at once
    this.retryTimers.delete(huntId);
    if (this.running.has(huntId)) {
      this.running.set(huntId, merge(this.running.get(huntId) ?? null, request));
      return;
    }
    this.waiting.set(huntId, merge(this.waiting.get(huntId) ?? null, request));
    this.pump();
  }

  private pump(): void {
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    while (!this.stopped && this.slots < this.opts.concurrency && this.waiting.size > 0) {
      const now = performance.now();
      const ready = [...this.waiting].filter(([huntId, r]) => r.wait || this.readyAt(huntId) <= now);
      if (ready.length === 0) {
        const earliest = Math.min(...[...this.waiting.keys()].map((huntId) => this.readyAt(huntId)));
        this.paceTimer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(earliest - now)));
        return;
      }
      const [first, request] = ready[0]!;
      // A waiting admin runs alone, and so does a hunt this worker does not remember (its refresh
      // reads the published pages: in a batch it would hold up the others). Otherwise the batch
      // is its share of the plain requests for remembered hunts ready to go, in order: spread over
      // the free slots while there are some (parallel refreshes finish sooner), all in one when a
      // single slot is free (the machine is busy: one publish for many hunts costs least).
      const remembered = (huntId: string) => this.opts.cache.peek(huntId) !== undefined;
      const batchable = request.wait || !remembered(first) ? []
        : ready.filter(([huntId, r]) => !r.wait && remembered(huntId));
      const share = Math.ceil(batchable.length / (this.opts.concurrency - this.slots));
      const taken: [string, Request][] = batchable.length === 0 ? [[first, request]] : batchable.slice(0, Math.min(share, MAX_BATCH));
      for (const [huntId] of taken) {
        this.waiting.delete(huntId);
        this.running.set(huntId, null);
        this.lastStarted.set(huntId, now);
      }
      this.slots++;
      void (request.wait ? this.runAlone(first, request) : this.runBatch(taken.map(([huntId]) => huntId))).finally(() => {
        this.slots--;
        if (this.slots === 0 && this.stopped) this.idle?.();
        this.pump();
      });
    }
    // Forget start times too old to hold anything back, once there are many (a worker of a
    // platform with thousands of hunts keeps about as many entries as hunts it refreshed lately).
    if (this.lastStarted.size > 1000) {
      const now = performance.now();
      for (const [huntId, at] of this.lastStarted) if (at + this.opts.minIntervalMs <= now) this.lastStarted.delete(huntId);
    }
  }

  private readyAt(huntId: string): number {
    const started = this.lastStarted.get(huntId);
    return started === undefined ? 0 : started + this.opts.minIntervalMs;
  }

  private async runAlone(huntId: string, request: Request): Promise<void> {
    const started = performance.now();
    try {
      const outcome = await refreshHunt(this.opts.pool, huntId, { cache: this.opts.cache });
      this.settle({ huntId, outcome }, performance.now() - started);
      for (const w of request.waiters) w.resolve(outcome);
    } catch (error) {
      this.settle({ huntId, error }, performance.now() - started);
      for (const w of request.waiters) w.reject(error);
    }
  }

  private async runBatch(huntIds: string[]): Promise<void> {
    const started = performance.now();
    let results: HuntRefresh[];
    try {
      results = await refreshHunts(this.opts.pool, huntIds, this.opts.cache);
    } catch (error) {
      results = huntIds.map((huntId) => ({ huntId, error }));
    }
    for (const result of results) this.settle(result, performance.now() - started);
  }

  /** Reports a hunt's refresh, and queues it again if a request arrived while it ran. */
  private settle(result: HuntRefresh, ms: number): void {
    const { huntId } = result;
    const failed = 'error' in result;
    if (failed) {
      this.opts.onRefreshed?.(undefined, result.error, ms);
      this.scheduleRetry(huntId, result.error);
    } else if (result.outcome.path !== 'busy') {
      this.failures.delete(huntId);
      this.opts.onRefreshed?.(result.outcome, undefined, ms);
    }
    const next = this.running.get(huntId) ?? null;
    this.running.delete(huntId);
    // After a failure only a waiting admin goes again now; plain requests wait for the retry.
    if (next && !this.stopped && (!failed || next.waiters.length > 0)) {
      this.waiting.set(huntId, merge(this.waiting.get(huntId) ?? null, next));
    }
  }

  private scheduleRetry(huntId: string, err: unknown): void {
    if (this.stopped) return;
    const failures = (this.failures.get(huntId) ?? 0) + 1;
    this.failures.set(huntId, failures);
    const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1]!;
    this.opts.log.warn('hunt refresh failed; retrying', { huntId, failures, delayMs: delay, err });
    clearTimeout(this.retryTimers.get(huntId));
    this.retryTimers.set(huntId, setTimeout(() => {
      this.retryTimers.delete(huntId);
      this.enqueue(huntId, { wait: false, waiters: [] });
    }, delay));
  }
}

function merge(into: Request | null, request: Request): Request {
  if (!into) return request;
  return { wait: into.wait || request.wait, waiters: [...into.waiters, ...request.waiters] };
}
