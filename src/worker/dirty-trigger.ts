// Turns dirty hunts into refresh jobs: at once on the writer's NOTIFY, and by a periodic sweep of
// dirty_hunts that catches whatever a notification missed (worker down, connection lost).
// Sending is idempotent: the queue's stately policy coalesces repeated triggers per hunt.
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { DIRTY_CHANNEL } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { REFRESH_HUNT_QUEUE, type RefreshHuntJob } from '../core/queues.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DirtyTrigger {
  private listener: pg.Client | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private sweeping = false;
  private stopped = false;
  private readonly connectionString: string;
  private readonly pool: Pool;
  private readonly boss: PgBoss;
  private readonly sweepIntervalMs: number;
  private readonly log: Logger;

  constructor(opts: { connectionString: string; pool: Pool; boss: PgBoss; sweepIntervalMs: number; log: Logger }) {
    this.connectionString = opts.connectionString;
    this.pool = opts.pool;
    this.boss = opts.boss;
    this.sweepIntervalMs = opts.sweepIntervalMs;
    this.log = opts.log;
  }

  async start(): Promise<void> {
    await this.listen();
    this.sweepTimer = setInterval(() => void this.sweep(), this.sweepIntervalMs);
    await this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.reconnectTimer);
    await this.connecting;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    while (this.sweeping) await new Promise((r) => setTimeout(r, 10));
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'worker-dirty-listener' });
    client.on('notification', (msg) => {
      if (msg.payload && UUID.test(msg.payload)) void this.trigger(msg.payload, 'dirty');
    });
    client.on('error', (err) => {
      this.log.warn('dirty listener lost its connection', { err });
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      if (this.stopped) {
        // stop() ran while we were connecting: nobody will close this connection but us.
        await client.end().catch(() => undefined);
        return;
      }
      await client.query(`listen ${DIRTY_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      await client.end().catch(() => undefined);
      this.log.warn('dirty listener could not connect; the sweep keeps refreshes going', { err });
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const old = this.listener;
    this.listener = undefined;
    void old?.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.connecting = this.listen();
    }, 1000);
  }

  private async trigger(huntId: string, reason: RefreshHuntJob['reason']): Promise<void> {
    try {
      await this.boss.send(REFRESH_HUNT_QUEUE, { huntId, reason } satisfies RefreshHuntJob, { singletonKey: huntId });
    } catch (err) {
      // The sweep will try again; the hunt stays dirty in the database.
      this.log.warn('could not enqueue a hunt refresh', { huntId, err });
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
        `select hunt_id from dirty_hunts where dirty_since < clock_timestamp() - $1 * interval '1 millisecond'`,
        [this.sweepIntervalMs]);
      for (const row of rows) await this.trigger(row.hunt_id, 'sweep');
    } catch (err) {
      this.log.warn('dirty sweep failed', { err });
    } finally {
      this.sweeping = false;
    }
  }
}
