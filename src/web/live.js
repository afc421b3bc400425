// The hunt's event stream, one per browser rather than one per tab: browsers allow 6 connections
// per host over HTTP/1.1, and a stream holds one for as long as the page is open. The tabs of a
// hunt elect a leader with a Web Lock (`events:<slug>`): the tab holding it opens the EventSource
// and passes every event on over a BroadcastChannel; the others listen there. When the leader
// closes, its lock is released and the next tab waiting for it opens the stream.

/** @typedef {{ seq: number, documents: string[], competitors: string[] }} Update */

/** What a tab re-reads when it may have missed events: everything. */
const EVERYTHING = ['hunt', 'leaderboard', 'feed', 'progress', 'team'];
/** A page younger than this was just read whole: the stream's first open needs no catch-up. */
const FRESH_MS = 5000;

/**
 * Calls `onUpdate` with every update of the hunt, in this tab, whichever tab holds the stream.
 * @param {string} slug
 * @param {(update: Update) => void} onUpdate
 */
export function followHunt(slug, onUpdate) {
  const name = `events:${slug}`;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
  if (channel) channel.onmessage = (event) => onUpdate(event.data);
  const lead = () => new Promise(() => {
    // Held until the tab closes: the lock (and the stream) go with it.
    const source = new EventSource(`/v1/hunts/${encodeURIComponent(slug)}/events`);
    const pass = (/** @type {Update} */ update) => {
      onUpdate(update);
      channel?.postMessage(update);
    };
    let opened = false;
    source.addEventListener('open', () => {
      // A tab taking the stream over from a closed leader missed what happened in between (a
      // reconnect resumes by Last-Event-ID instead: the server names what changed).
      if (!opened && performance.now() > FRESH_MS) pass({ seq: -1, documents: EVERYTHING, competitors: [] });
      opened = true;
    });
    source.addEventListener('update', (event) => {
      try {
        pass(JSON.parse(/** @type {MessageEvent} */ (event).data));
      } catch { /* not an update */ }
    });
  });
  // Web Locks need a secure context (https, or localhost): elsewhere each tab has its own stream.
  if (navigator.locks && channel) navigator.locks.request(name, lead);
  else lead();
}
