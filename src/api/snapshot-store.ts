// The API's copy of every published document, in memory. Loaded at start, then kept current by
// the worker's NOTIFY (with a periodic poll as the net under it). Each reload applies the rows of
// whole publishes in one synchronous step, so a request sees the documents before or after a
// publish, never a mix.
import { SNAPSHOT_CHANNEL, type PublishNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import { FORMAT_VERSION, etagFor, type DocumentKind, type LeaderboardContent } from '../core/documents.ts';
import type { Logger } from '../core/logger.ts';
import { NotificationListener } from '../core/notification-listener.ts';

export interface ServedDocument {
  key: string;
  kind: DocumentKind;
  version: number;
  etag: string;
  body: Buffer;
  generatedAtMs: number;
}

/** A leaderboard kept parsed, to cut pages that are not pre-serialized. */
export interface ServedBoard {
  version: number;
  generatedAt: string;
  generatedAtMs: number;
  content: LeaderboardContent;
}

interface DocumentRow {
  doc_key: string; kind: DocumentKind; version: number; body: string | null; generated_at: Date; published_seq: number;
}

export interface StoreEvents {
  onNotice?: (notice: PublishNotice) => void;
  /** A publish announced by NOTIFY is now installed in memory. */
  onPublishInstalled?: (notice: PublishNotice) => void;
}

export class SnapshotStore {
  readonly documents = new Map<string, ServedDocument>();
  readonly boards = new Map<string, ServedBoard>();
  loaded = false;
  databaseUp = false;
  lastSeq = 0;

  private readonly listener: NotificationListener;
  private pollTimer: NodeJS.Timeout | undefined;
  private announced: PublishNotice[] = [];
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private stopped = false;
  private readonly pool: Pool;
  private readonly pollIntervalMs: number;
  private readonly log: Logger;
  private readonly events: StoreEvents;

  constructor(opts: { pool: Pool; connectionString: string; pollIntervalMs: number; log: Logger; events?: StoreEvents }) {
    this.pool = opts.pool;
    this.pollIntervalMs = opts.pollIntervalMs;
    this.log = opts.log;
    this.events = opts.events ?? {};
    this.listener = new NotificationListener({
      connectionString: opts.connectionString,
      channel: SNAPSHOT_CHANNEL,
      applicationName: 'api-snapshot-listener',
      log: opts.log,
      onNotification: (payload) => {
        if (payload) {
          try {
            const notice = JSON.parse(payload) as PublishNotice;
            this.events.onNotice?.(notice);
            if (notice.seq > this.lastSeq) this.announced.push(notice);
          } catch { /* not ours to judge */ }
        }
        void this.reload().catch(() => undefined);
      },
      // Catch up on whatever was published while we were not listening.
      onReconnect: () => void this.reload().catch(() => undefined),
      onConnectionLost: () => { this.databaseUp = false; },
    });
  }

  async start(): Promise<void> {
    // Listen before the first load, so nothing published in between is missed.
    await this.listener.start();
    await this.reload().catch(() => undefined);
    this.pollTimer = setInterval(() => void this.reload().catch(() => undefined), this.pollIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    await this.listener.stop();
    await this.reloading?.catch(() => undefined);
  }

  get(key: string): ServedDocument | undefined {
    return this.documents.get(key);
  }

  /** Fetches everything published after what we have; concurrent calls coalesce into one more pass. */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          await this.loadOnce();
        } while (this.reloadAgain && !this.stopped);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private async loadOnce(): Promise<void> {
    let rows: DocumentRow[];
    try {
      const result = await this.pool.query<DocumentRow>(
        `select doc_key, kind, version, body, generated_at, published_seq
           from snapshot_documents
          where format_version = $1 and published_seq > $2
          order by published_seq`,
        [FORMAT_VERSION, this.lastSeq]);
      rows = result.rows;
    } catch (err) {
      if (this.databaseUp) this.log.warn('snapshot reload failed; serving what is in memory', { err });
      this.databaseUp = false;
      throw err;
    }
    this.databaseUp = true;
    // Install synchronously: no request can run between two of these rows.
    for (const row of rows) this.install(row);
    if (rows.length > 0) this.lastSeq = rows[rows.length - 1]!.published_seq;
    this.loaded = true;
    if (this.announced.length > 0) {
      const installed = this.announced.filter((n) => n.seq <= this.lastSeq);
      this.announced = this.announced.filter((n) => n.seq > this.lastSeq);
      for (const notice of installed) this.events.onPublishInstalled?.(notice);
    }
  }

  private install(row: DocumentRow): void {
    if (row.body === null) {
      this.documents.delete(row.doc_key);
      if (row.kind === 'leaderboard') this.boards.delete(row.doc_key);
      return;
    }
    const doc: ServedDocument = {
      key: row.doc_key,
      kind: row.kind,
      version: row.version,
      etag: etagFor(row.doc_key, row.version),
      body: Buffer.from(row.body, 'utf8'),
      generatedAtMs: row.generated_at.getTime(),
    };
    this.documents.set(row.doc_key, doc);
    if (row.kind === 'leaderboard') {
      const parsed = JSON.parse(row.body) as LeaderboardContent & { version: number; generatedAt: string };
      this.boards.set(row.doc_key, {
        version: parsed.version,
        generatedAt: parsed.generatedAt,
        generatedAtMs: doc.generatedAtMs,
        content: { hunt: parsed.hunt, entries: parsed.entries, total: parsed.total },
      });
    }
  }
}
