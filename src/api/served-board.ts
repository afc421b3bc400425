// A hunt's leaderboard as the API holds it: the stored pages' bytes, where each entry starts and
// ends in them, and a table from player id to rank. No parsed entries are kept: 200 boards of
// 500 players held as objects and Maps were half of the process's live heap (23.5 MiB), and V8
// lets a busy process's heap grow to a multiple of what is live. As typed arrays: 2.3 MiB.
import {
  LEADERBOARD_PAGE_SIZE, competitorOf, docKeys, type Freeze, type LeaderboardEntry, type LeaderboardHead, type Stamp,
} from '../core/documents.ts';
import type { ServedDocument } from './served-document.ts';

/** A stored page: its bytes (a bare JSON array) and each entry's [start, end) within them. */
export interface BoardPage { json: Buffer; bounds: Uint32Array }

export interface ServedBoard extends Freeze {
  hunt: string;
  total: number;
  version: number;
  generatedAt: string;
  generatedAtMs: number;
  pages: Map<number, BoardPage>;
  /** Entry i's player id as four 32-bit words at 4i (entries in standing order, page by page). */
  ids: Uint32Array;
  ranks: Uint32Array;
  /** Open addressing on the id's last word: entry index + 1, 0 for a free slot. */
  slots: Int32Array;
  /** Whole-page responses (bytes and ETag), made on first request, dropped with this version. */
  responses: Map<number, { etag: string; version: number; generatedAtMs: number; body: Buffer }>;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Where each entry object of a serialized entries array starts and ends (strings honoured). */
export function entryBounds(json: Buffer): Uint32Array {
  const bounds: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN) { if (depth++ === 0) bounds.push(i); }
    else if (c === CLOSE) { if (--depth === 0) bounds.push(i + 1); }
  }
  return Uint32Array.from(bounds);
}

/** A lower-case UUID as four 32-bit words. */
function uuidWords(id: string): [number, number, number, number] {
  return [
    parseInt(id.slice(0, 8), 16), parseInt(id.slice(9, 13) + id.slice(14, 18), 16),
    parseInt(id.slice(19, 23) + id.slice(24, 28), 16), parseInt(id.slice(28, 36), 16),
  ];
}

/**
 * The board of a head document and its pages (`documents`: what the store holds, by key). Pages
 * whose bytes are those of `previous` (the same Buffer: unchanged by this publish) keep their
 * bounds and ids; only the others are parsed.
 */
export function buildBoard(
  head: ServedDocument, documents: ReadonlyMap<string, ServedDocument>, previous: ServedBoard | undefined,
): ServedBoard {
  const stamped = JSON.parse(head.body.toString('utf8')) as LeaderboardHead & Stamp;
  const count = Math.max(stamped.total, 0);
  const pages = new Map<number, BoardPage>();
  const ids = new Uint32Array(4 * count);
  const ranks = new Uint32Array(count);
  const present = new Uint8Array(count);
  for (let n = 0; n * LEADERBOARD_PAGE_SIZE < Math.max(count, 1); n++) {
    const doc = documents.get(docKeys.leaderboardPage(stamped.hunt, n));
    if (!doc) continue;
    const first = n * LEADERBOARD_PAGE_SIZE;
    const kept = previous?.pages.get(n);
    // The same bytes at the same page number: the same players at the same positions (if the
    // previous board held them all), so their ids and ranks are copied, not parsed again.
    if (kept && kept.json === doc.body && previous!.ranks.length >= first + kept.bounds.length / 2) {
      const size = Math.min(kept.bounds.length / 2, count - first);
      ids.set(previous!.ids.subarray(4 * first, 4 * (first + size)), 4 * first);
      ranks.set(previous!.ranks.subarray(first, first + size), first);
      present.fill(1, first, first + size);
      pages.set(n, kept);
      continue;
    }
    const entries = JSON.parse(doc.body.toString('utf8')) as LeaderboardEntry[];
    for (const [i, entry] of entries.entries()) {
      if (first + i >= count) break;
      ids.set(uuidWords(competitorOf(entry).id), 4 * (first + i));
      ranks[first + i] = entry.rank;
      present[first + i] = 1;
    }
    pages.set(n, { json: doc.body, bounds: entryBounds(doc.body) });
  }
  let capacity = 8;
  while (capacity < 2 * count) capacity *= 2;
  const slots = new Int32Array(capacity);
  for (let i = 0; i < count; i++) {
    if (!present[i]) continue;
    let slot = ids[4 * i + 3]! & (capacity - 1);
    while (slots[slot] !== 0) slot = (slot + 1) & (capacity - 1);
    slots[slot] = i + 1;
  }
  return {
    hunt: stamped.hunt, total: stamped.total, frozen: stamped.frozen, frozenAt: stamped.frozenAt,
    version: stamped.version, generatedAt: stamped.generatedAt,
    generatedAtMs: head.generatedAtMs, pages, ids, ranks, slots, responses: new Map(),
  };
}

/** The player's rank on the board, or null when they are not ranked. `playerId`: a lower-case UUID. */
export function rankOf(board: ServedBoard, playerId: string): number | null {
  const [w0, w1, w2, w3] = uuidWords(playerId);
  const { ids, slots } = board;
  const mask = slots.length - 1;
  for (let slot = w3 & mask; ; slot = (slot + 1) & mask) {
    const entry = slots[slot]! - 1;
    if (entry < 0) return null;
    const at = 4 * entry;
    if (ids[at] === w0 && ids[at + 1] === w1 && ids[at + 2] === w2 && ids[at + 3] === w3) return board.ranks[entry]!;
  }
}

/** Entries offset..offset+limit-1 as a JSON array, cut from the stored pages' bytes. */
export function entriesWindow(board: ServedBoard, offset: number, limit: number): string {
  const parts: string[] = [];
  const end = Math.min(offset + limit, board.total);
  for (let first = offset; first < end;) {
    const n = Math.floor(first / LEADERBOARD_PAGE_SIZE);
    const pageEnd = Math.min(end, (n + 1) * LEADERBOARD_PAGE_SIZE);
    const page = board.pages.get(n);
    const from = first - n * LEADERBOARD_PAGE_SIZE;
    const to = Math.min(pageEnd - n * LEADERBOARD_PAGE_SIZE, page ? page.bounds.length / 2 : 0);
    // Consecutive entries of one page are one slice: the commas between them come with it.
    if (page && to > from) parts.push(page.json.toString('utf8', page.bounds[2 * from], page.bounds[2 * to - 1]));
    first = pageEnd;
  }
  return `[${parts.join(',')}]`;
}
