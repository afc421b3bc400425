// Turns dirty hunts into refresh requests: at once on the writer's NOTIFY, and by a periodic sweep
// of dirty_hunts and read_model_changes that catches whatever a notification missed (worker down,
// connection lost, an API process that died between its commit and its NOTIFY, a refresh skipped
// or failed). Requests are idempotent: the scheduler coalesces them per hunt. Moments of time
// (a hunt's start, end or freeze, a clue opening on time) are the hunt clock's (hunt-clock.ts).
import { DIRTY_CHANNEL, type ChangeNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { NotificationListener } from '../core/notification-listener.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DirtyTrigger {
  private readonly listener: NotificationListener;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;
  private readonly pool: Pool;
  private readonly request: (huntId: string) => void;
  private readonly sweepIntervalMs: number;
  private readonly log: Logger;

  constructor(opts: { connectionString: string; pool: Pool; request: (huntId: string) => void; sweepIntervalMs: number; log: Logger }) {
    this.pool = opts.pool;
    this.request = opts.request;
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
        if (typeof huntId === 'string' && UUID.test(huntId)) this.request(huntId);
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

  /** One pass at a time; a pass that overlaps the next tick is skipped, not stacked. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      // Hunts dirty for less than a sweep interval were just announced by NOTIFY and are being
      // refreshed; requesting them again would only run a refresh with nothing left to do.
      const { rows } = await this.pool.query<{ hunt_id: string }>(
        `select hunt_id from dirty_hunts where dirty_since < clock_timestamp() - $1 * interval '1 millisecond'
         union
         select distinct hunt_id from read_model_changes where recorded_at < clock_timestamp() - $1 * interval '1 millisecond'`,
        [this.sweepIntervalMs]);
      if (!this.stopped) for (const row of rows) this.request(row.hunt_id);
    } catch (err) {
      this.log.warn('dirty sweep failed', { err });
    } finally {
      this.sweeping = false;
    }
  }
}
