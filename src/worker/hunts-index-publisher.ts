// The hunts index lists every hunt's player count, which changes with nearly every new player.
// Rebuilding it (every hunt's listing, under the publish lock) in each incremental refresh would
// put that cost on every answer; instead an incremental refresh that changed a listing only marks
// the index stale here, and it is republished at most once per interval. The full path still
// republishes it at once (a hunt going live, ending or being renamed shows without delay).
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { inTransaction } from './hunt-lock.ts';
import { beginPublish, notifyReaders, prepareHuntsIndex, writePublish } from './publisher.ts';

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
    const client = await this.pool.connect();
    try {
      const published = await inTransaction(client, async () => {
        const prepared = await prepareHuntsIndex(client);
        return prepared.writes.length > 0 ? writePublish(client, await beginPublish(client), prepared) : undefined;
      });
      if (published) {
        await notifyReaders(client, { seq: published.seq, hunts: [], changed: published.changed, refreshMs: performance.now() - started, answers: [] });
      }
    } catch (err) {
      this.stale = true; // tried again at the next tick
      this.log.warn('could not republish the hunts index', { err });
    } finally {
      client.release();
    }
  }
}
