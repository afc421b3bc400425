// The hunts index lists every hunt's player count, which changes with nearly every new player.
// Rebuilding it (every hunt's listing, under the publish lock) in each incremental refresh would
// put that cost on every answer; instead an incremental refresh that changed a listing only marks
// the index stale here, and it is republished at most once per interval. The full path still
// republishes it at once (a hunt going live, ending or being renamed shows without delay).
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { notifyReaders, prepareHuntsIndex, writeHuntsIndex } from './publisher.ts';

export class HuntsIndexPublisher {
  private stale = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly pool: Pool;
  private readonly intervalMs: number;
  private readonly log: Logger;

  constructor(opts: { pool: Pool; intervalMs: number; log: Logger }) {
    this.pool = opts.pool;
    this.intervalMs = opts.intervalMs;
    this.log = opts.log;
  }

  markStale(): void { this.stale = true; }

  start(): void {
    this.timer = setInterval(() => { if (this.stale && !this.flushing) this.flushing = this.flush().finally(() => { this.flushing = undefined; }); }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    if (this.stale) await this.flush(); // what was marked is published before the worker goes
  }

  private async flush(): Promise<void> {
    this.stale = false;
    const started = performance.now();
    try {
      // No transaction: the read takes no lock, and the write is one statement that holds the
      // publish lock only while it runs (see writeHuntsIndex).
      const prepared = await prepareHuntsIndex(this.pool);
      if (prepared.writes.length === 0) return;
      const { seq, written } = await writeHuntsIndex(this.pool, prepared);
      if (!written) {
        this.stale = true; // replaced since it was read: built again at the next tick
        return;
      }
      await notifyReaders(this.pool, { seq, hunts: [], changed: 1, refreshMs: performance.now() - started, answers: [] });
    } catch (err) {
      this.stale = true; // tried again at the next tick
      this.log.warn('could not republish the hunts index', { err });
    }
  }
}
