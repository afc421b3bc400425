// Server-sent events: GET /v1/hunts/:slug/events. Each time documents of a hunt are installed in
// this process, every open stream of the hunt gets one `update` event naming the public documents
// that changed and the competitors whose progress or own view changed (none while the hunt is
// frozen: who found what after the freeze is not for the public). `id:` is the global publish
// sequence, the same on every API process, so a browser reconnecting anywhere resumes with
// Last-Event-ID. The page then re-fetches what it shows, with If-None-Match. Events carry no
// document: a stream costs one socket and a Set entry, and an event is serialized once per hunt.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What one install changed of a hunt (see SnapshotStore's onInstalled). */
export interface HuntUpdate { seq: number; documents: Set<PublicDocumentName>; competitors: Set<string>; frozen: boolean }

export type PublicDocumentName = 'hunt' | 'leaderboard' | 'feed' | 'progress' | 'team';
const EVERY_DOCUMENT: readonly PublicDocumentName[] = ['hunt', 'leaderboard', 'feed', 'progress', 'team'];

/** Keep-alive comments: proxies (nginx's proxy_read_timeout is 60 s) close silent connections. */
const HEARTBEAT_MS = 15_000;
/** A browser reconnects this long after a dropped stream. */
const RETRY_MS = 3000;
/** A client this far behind (bytes queued to its socket) is cut; it reconnects and resumes. */
const MAX_QUEUED_BYTES = 64 * 1024;

export class EventStreams {
  private readonly byHunt = new Map<string, Set<ServerResponse>>();
  private readonly heartbeat: NodeJS.Timeout;
  private count = 0;

  constructor() {
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get open(): number { return this.count; }

  /**
   * Opens a stream for the hunt. `lastSeq` is this process's latest installed publish: a client
   * resuming from an older one is told every kind of document may have changed.
   */
  subscribe(req: IncomingMessage, res: ServerResponse, slug: string, lastSeq: number): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx: pass events through as they are written.
      'x-accel-buffering': 'no',
    });
    req.socket.setNoDelay(true);
    let opening = `retry: ${RETRY_MS}\n\n`;
    const resumed = Number(req.headers['last-event-id']);
    if (Number.isSafeInteger(resumed) && resumed >= 0 && resumed < lastSeq) {
      opening += eventText({ seq: lastSeq, documents: new Set(EVERY_DOCUMENT), competitors: new Set(), frozen: false });
    }
    res.write(opening);
    let streams = this.byHunt.get(slug);
    if (!streams) {
      streams = new Set();
      this.byHunt.set(slug, streams);
    }
    streams.add(res);
    this.count++;
    res.once('close', () => {
      this.count--;
      streams.delete(res);
      if (streams.size === 0 && this.byHunt.get(slug) === streams) this.byHunt.delete(slug);
    });
  }

  /** Sends each hunt's update to its open streams. */
  publish(updates: Map<string, HuntUpdate>): void {
    for (const [slug, update] of updates) {
      const streams = this.byHunt.get(slug);
      if (!streams || streams.size === 0) continue;
      // Only private state changed, and the hunt is frozen: nothing the public may hear of.
      if (update.documents.size === 0 && (update.frozen || update.competitors.size === 0)) continue;
      const text = eventText(update);
      for (const res of streams) send(res, text);
    }
  }

  /** Ends every stream (shutdown): browsers reconnect to another process and resume. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const streams of this.byHunt.values()) for (const res of streams) res.end();
  }

  private broadcast(text: string): void {
    for (const streams of this.byHunt.values()) for (const res of streams) send(res, text);
  }
}

function send(res: ServerResponse, text: string): void {
  if (res.writableLength > MAX_QUEUED_BYTES) {
    res.destroy();
    return;
  }
  res.write(text);
}

function eventText(update: HuntUpdate): string {
  const data = {
    seq: update.seq,
    documents: [...update.documents],
    competitors: update.frozen ? [] : [...update.competitors],
  };
  return `id: ${update.seq}\nevent: update\ndata: ${JSON.stringify(data)}\n\n`;
}
