// Server-sent events: GET /v1/hunts/:slug/events. Each time documents of a hunt are installed in
// this process, every open stream of the hunt gets one `update` event naming the public documents
// that changed and the competitors whose progress or own view changed (none while the hunt is
// frozen: who found what after the freeze is not for the public). `id:` is the global publish
// sequence, the same on every API process, so a browser reconnecting anywhere resumes with
// Last-Event-ID. The page then re-fetches what it shows, with If-None-Match. Events carry no
// document: a stream costs one socket and a Set entry, and an event is serialized once per hunt.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

// Node's own parser release, the one it runs when a request upgrades to a WebSocket (_http_server's
// onParserExecuteCommon). Not public API: if a Node release drops it, streams stay on the http
// machinery (heavier, same behaviour).
const { freeParser } = createRequire(import.meta.url)('_http_common') as {
  freeParser?: (parser: unknown, req: IncomingMessage, socket: Socket) => void;
};

// The names of the listeners Node's http server puts on a connection's socket (socketOnData and
// its kin, some bound to the connection's state).
const HTTP_SERVER_LISTENER = /^(bound )?socketOn(Data|End|Close|Drain|Error|Timeout)$/;

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

/**
 * An open stream: after its head, the bare socket, writing its own chunk framing. A stream held as
 * Node's http request and response (parser, IncomingMessage, ServerResponse) cost 15 KiB of
 * resident memory; the socket alone about 5 (bench:push). A socket Node's http machinery cannot
 * let go of stays a ServerResponse.
 */
type Stream = Socket | ServerResponse;

export class EventStreams {
  private readonly byHunt = new Map<string, Set<Stream>>();
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
    this.hold(detach(req, res) ?? res, slug, streams);
  }

  // Apart from subscribe: a closure made there would keep its request and response alive.
  private hold(stream: Stream, slug: string, streams: Set<Stream>): void {
    streams.add(stream);
    this.count++;
    stream.once('close', () => {
      this.count--;
      streams.delete(stream);
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
      for (const stream of streams) send(stream, text);
    }
  }

  /** Ends every stream (shutdown): browsers reconnect to another process and resume. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const streams of this.byHunt.values()) for (const stream of streams) end(stream);
  }

  private broadcast(text: string): void {
    for (const streams of this.byHunt.values()) for (const stream of streams) send(stream, text);
  }
}

/**
 * Takes the socket from Node's http machinery once the head and first chunk are written, as Node
 * does for an upgrade: the parser returned to its pool, the server's listeners removed, the
 * response let go. Undefined when it cannot (another response queued on the socket: pipelining).
 */
function detach(req: IncomingMessage, res: ServerResponse): Socket | undefined {
  const socket = res.socket as (Socket & { parser?: unknown; _httpMessage?: unknown }) | null;
  if (!freeParser || !socket || !socket.parser || socket._httpMessage !== res || !res.chunkedEncoding) return undefined;
  // Only the http server's own listeners: others (the connection cap's count, net's own) stay.
  for (const event of ['data', 'end', 'close', 'drain', 'error', 'timeout']) {
    for (const listener of socket.listeners(event) as ((...args: unknown[]) => void)[]) {
      if (HTTP_SERVER_LISTENER.test(listener.name)) socket.removeListener(event, listener);
    }
  }
  freeParser(socket.parser, req, socket);
  res.detachSocket(socket);
  socket.setTimeout(0);
  socket.on('error', () => socket.destroy());
  // The http server's sockets are half-open capable: a client's FIN alone would leave it open.
  socket.on('end', () => socket.destroy());
  // Whatever the client sends now (nothing, for a browser) is read and dropped.
  socket.resume();
  return socket;
}

function send(stream: Stream, text: string): void {
  if (stream.writableLength > MAX_QUEUED_BYTES) {
    stream.destroy();
    return;
  }
  if ('writeHead' in stream) stream.write(text);
  else writeChunk(stream, text);
}

/** One HTTP/1.1 chunk (the response's head said Transfer-Encoding: chunked). */
function writeChunk(socket: Socket, text: string): void {
  socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
}

/** Ends the response (the last chunk) and the connection. */
function end(stream: Stream): void {
  if ('writeHead' in stream) stream.end();
  else stream.end('0\r\n\r\n');
}

function eventText(update: HuntUpdate): string {
  const data = {
    seq: update.seq,
    documents: [...update.documents],
    competitors: update.frozen ? [] : [...update.competitors],
  };
  return `id: ${update.seq}\nevent: update\ndata: ${JSON.stringify(data)}\n\n`;
}
