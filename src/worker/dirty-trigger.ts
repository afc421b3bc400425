// Turns dirty hunts into refresh jobs: at once on the writer's NOTIFY, and by a periodic sweep of
// dirty_hunts and read_model_changes that catches whatever a notification missed (worker down,
// connection lost, an API process that died between its commit and its NOTIFY).
// Sending is idempotent: the queue's stately policy coalesces repeated triggers per hunt, and
// here at most one send per hunt is in flight, so a burst of answers costs a few sends, not one each.
import type { PgBoss } from 'pg-boss';
import { DIRTY_CHANNEL, type ChangeNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { NotificationListener } from '../core/notification-listener.ts';
import { REFRESH_HUNT_QUEUE, type RefreshHuntJob } from '../core/queues.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DirtyTrigger {
  private readonly listener: NotificationListener;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** Hunts with a send in flight; true when another trigger arrived meanwhile. */
  private readonly sending = new Map<string, boolean>();
  private stopped = false;
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private readonly sweepIntervalMs: number;
  private readonly log: Logger;

  constructor(opts: { connectionString: string; pool: Pool; boss: PgBoss; sweepIntervalMs: number; log: Logger }) {
    this.pool = opts.pool;
    this.boss = opts.boss;
    this.sweepIntervalMs = opts.sweepIntervalMs;
    this.log = opts.log;
    this.listener = new NotificationListener({
      connectionString: opts.connectionString,
      channel: DIRTY_CHANNEL,
      applicationName: 'worker-dirty-listener',
      log: opts.log,
      onNotification: (payload) => {
        let huntId: unknown;
        try { huntId = (JSON.parse(payload ?? '') as ChangeNotice).huntId; } catch { return; }
        if (typeof huntId === 'string' && UUID.test(huntId)) void this.trigger(huntId, 'dirty');
      },
      onReconnect: () => void this.sweep(),
    });
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.sweepTimer = setInterval(() => void this.sweep(), this.sweepIntervalMs);
    await this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    await this.listener.stop();
    while (this.sweeping) await new Promise((r) => setTimeout(r, 10));
  }

  private async trigger(huntId: string, reason: RefreshHuntJob['reason']): Promise<void> {
    if (this.sending.has(huntId)) {
      this.sending.set(huntId, true);
      return;
    }
    try {
      do {
        this.sending.set(huntId, false); // in flight; set to true by a trigger arriving meanwhile
        try {
          await this.boss.send(REFRESH_HUNT_QUEUE, { huntId, reason } satisfies RefreshHuntJob, { singletonKey: huntId });
        } catch (err) {
          // The sweep will try again; the hunt stays dirty in the database.
          this.log.warn('could not enqueue a hunt refresh', { huntId, err });
          return;
        }
      } while (this.sending.get(huntId) && !this.stopped);
    } finally {
      this.sending.delete(huntId);
    }
  }

  /** One pass at a time; a pass that overlaps the next tick is skipped, not stacked. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      // Hunts dirty for less than a sweep interval were just announced by NOTIFY and are being
      // refreshed; re-sending them would only queue a refresh with nothing left to do.
      const { rows } = await this.pool.query<{ hunt_id: string }>(
        `select hunt_id from dirty_hunts where dirty_since < clock_timestamp() - $1 * interval '1 millisecond'
         union
         select distinct hunt_id from read_model_changes where recorded_at < clock_timestamp() - $1 * interval '1 millisecond'`,
        [this.sweepIntervalMs]);
      for (const row of rows) await this.trigger(row.hunt_id, 'sweep');
    } catch (err) {
      this.log.warn('dirty sweep failed', { err });
    } finally {
      this.sweeping = false;
    }
  }
}
