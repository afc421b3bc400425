// A dedicated LISTEN connection that reconnects by itself. After a reconnect it calls
// onReconnect, because notifications sent while it was away are lost: the owner catches up
// from the database.
import pg from 'pg';
import type { Logger } from './logger.ts';

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  applicationName: string;
  onNotification(payload: string | undefined): void;
  onReconnect?(): void;
  onConnectionLost?(): void;
  log: Logger;
}

export class NotificationListener {
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private stopped = false;
  private readonly opts: ListenerOptions;

  constructor(opts: ListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`unsafe channel name ${opts.channel}`);
    this.opts = opts;
  }

  /** Connects once; if that fails, keeps retrying in the background. */
  async start(): Promise<void> {
    this.connecting = this.connect();
    await this.connecting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.connectionString, application_name: this.opts.applicationName });
    client.on('notification', (msg) => this.opts.onNotification(msg.payload));
    client.on('error', (err) => {
      this.opts.log.warn(`${this.opts.applicationName} lost its connection`, { err });
      this.opts.onConnectionLost?.();
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      if (this.stopped) {
        // stop() ran while we were connecting: nobody else will close this connection.
        await client.end().catch(() => undefined);
        return;
      }
      await client.query(`listen ${this.opts.channel}`);
      this.client = client;
    } catch (err) {
      await client.end().catch(() => undefined);
      this.opts.log.warn(`${this.opts.applicationName} could not connect; retrying`, { err });
      this.opts.onConnectionLost?.();
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const old = this.client;
    this.client = undefined;
    void old?.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.connecting = this.connect().then(() => {
        if (this.client && !this.stopped) this.opts.onReconnect?.();
      });
    }, 1000);
  }
}
