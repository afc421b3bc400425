// The public read routes, answered from memory on node:http directly: no express, and no database
// but for a player's progress not read recently (one primary-key lookup, then held). This is the
// hot path (a thousand players polling a leaderboard), so it does only a URL split, a Map lookup
// and a write of bytes that were serialized by the worker.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  LEADERBOARD_PAGE_SIZE, docKeys, etagFor, leaderboardBody, serialize,
  type ProgressContent, type ProgressFind, type ProgressView, type Stamp, type TeamContent, type TeamPlayerView,
} from '../core/documents.ts';
import { ApiError, httpErrorOf, notFound, sendError, unavailable } from './api-error.ts';
import type { EventStreams } from './event-streams.ts';
import type { PlayerDirectory } from './player-directory.ts';
import { ownedBuffer, type ServedDocument } from './served-document.ts';
import { entriesWindow, rankOf, type ServedBoard } from './served-board.ts';
import type { SnapshotStore } from './snapshot-store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LIMIT = 100;

export type SnapshotRoute = '/v1/hunts' | '/v1/hunts/:slug' | '/v1/hunts/:slug/leaderboard' | '/v1/hunts/:slug/players/:playerId'
  | '/v1/hunts/:slug/teams/:teamId' | '/v1/hunts/:slug/feed' | '/v1/hunts/:slug/events';

export interface SnapshotContext {
  store: SnapshotStore;
  players: PlayerDirectory;
  /** Counts reads answered from memory (hit) and those that were not (miss). */
  onLookup: (hit: boolean) => void;
  streams: EventStreams;
}

/** Before the first hunt is ever published there is no index document: an empty list, version 0. */
const EMPTY_INDEX = {
  etag: etagFor(docKeys.huntsIndex(), 0),
  version: 0,
  generatedAtMs: 0,
  body: Buffer.from(serialize({ hunts: [] }, { version: 0, generatedAt: new Date(0).toISOString() })),
};

interface Reply { etag: string; version: number; generatedAtMs: number; body: Buffer }

/** The route a GET/HEAD path belongs to, or undefined when it is not a snapshot route. */
export function matchSnapshotRoute(path: string): { route: SnapshotRoute; slug?: string; playerId?: string; teamId?: string } | undefined {
  if (path === '/v1/hunts' || path === '/v1/hunts/') return { route: '/v1/hunts' };
  if (!path.startsWith('/v1/hunts/')) return undefined;
  const parts = path.slice('/v1/hunts/'.length).split('/');
  if (parts.length === 1 && parts[0]) return { route: '/v1/hunts/:slug', slug: decode(parts[0]) };
  if (parts.length === 2 && parts[0] && parts[1] === 'leaderboard') return { route: '/v1/hunts/:slug/leaderboard', slug: decode(parts[0]) };
  if (parts.length === 2 && parts[0] && parts[1] === 'feed') return { route: '/v1/hunts/:slug/feed', slug: decode(parts[0]) };
  if (parts.length === 2 && parts[0] && parts[1] === 'events') return { route: '/v1/hunts/:slug/events', slug: decode(parts[0]) };
  if (parts.length === 3 && parts[0] && parts[1] === 'players' && parts[2]) {
    return { route: '/v1/hunts/:slug/players/:playerId', slug: decode(parts[0]), playerId: decode(parts[2]) };
  }
  if (parts.length === 3 && parts[0] && parts[1] === 'teams' && parts[2]) {
    return { route: '/v1/hunts/:slug/teams/:teamId', slug: decode(parts[0]), teamId: decode(parts[2]) };
  }
  return undefined;
}

function decode(part: string): string {
  try { return decodeURIComponent(part); } catch { return part; }
}

/**
 * Answers a snapshot route. Returns a promise only for the paths that must ask the database (a
 * player's progress not held, a player with no finds yet); everything else completes synchronously.
 */
export function serveSnapshot(
  ctx: SnapshotContext, req: IncomingMessage, res: ServerResponse,
  match: NonNullable<ReturnType<typeof matchSnapshotRoute>>, query: string,
): void | Promise<void> {
  try {
    const { store } = ctx;
    if (!store.loaded) throw unavailable('snapshots are still loading');
    switch (match.route) {
      case '/v1/hunts':
        ctx.onLookup(true);
        return send(req, res, store.get(docKeys.huntsIndex()) ?? EMPTY_INDEX, !store.databaseUp);
      case '/v1/hunts/:slug':
        return send(req, res, required(ctx, store.get(docKeys.hunt(match.slug!)), 'hunt'), !store.databaseUp);
      case '/v1/hunts/:slug/leaderboard':
        return send(req, res, leaderboard(ctx, match.slug!, query), !store.databaseUp);
      case '/v1/hunts/:slug/feed':
        return send(req, res, required(ctx, store.get(docKeys.feed(match.slug!)), 'hunt'), !store.databaseUp);
      case '/v1/hunts/:slug/events':
        // Open until the client leaves (or the process stops): counted in flight until then.
        required(ctx, store.get(docKeys.hunt(match.slug!)), 'hunt');
        return ctx.streams.subscribe(req, res, match.slug!, store.lastSeq);
      case '/v1/hunts/:slug/players/:playerId':
        return progress(ctx, req, res, match.slug!, match.playerId!);
      case '/v1/hunts/:slug/teams/:teamId':
        return send(req, res, team(ctx, match.slug!, match.teamId!), !store.databaseUp);
    }
  } catch (err) {
    if (err instanceof ApiError) return sendError(res, err);
    throw err;
  }
}

function required(ctx: SnapshotContext, doc: ServedDocument | undefined, what: string): ServedDocument {
  ctx.onLookup(doc !== undefined);
  if (!doc) throw notFound(what);
  return doc;
}

/** The leaderboard's limit and offset from a query string (400 invalid_query when malformed). */
export function parsePaging(query: string): { limit: number; offset: number } {
  if (query === '') return { limit: LEADERBOARD_PAGE_SIZE, offset: 0 }; // the common case, parsed for free
  const params = new URLSearchParams(query);
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const values = params.getAll(name);
    if (values.length === 0) return fallback;
    const raw = values[0]!;
    if (values.length > 1 || !/^\d{1,16}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ApiError(400, 'invalid_query', `${name} must be an integer between ${min} and ${max}`);
    }
    return Number(raw);
  };
  return { limit: read('limit', LEADERBOARD_PAGE_SIZE, 1, MAX_LIMIT), offset: read('offset', 0, 0, Number.MAX_SAFE_INTEGER) };
}

function leaderboard(ctx: SnapshotContext, slug: string, query: string): Reply {
  const { limit, offset } = parsePaging(query);
  const boardKey = docKeys.leaderboard(slug);
  const board = ctx.store.boards.get(boardKey);
  ctx.onLookup(board !== undefined);
  if (!board) throw notFound('hunt');
  const stamp = { version: board.version, generatedAt: board.generatedAt };
  const reply = (body: Buffer, variant: string): Reply =>
    ({ etag: etagFor(boardKey, board.version, variant), version: board.version, generatedAtMs: board.generatedAtMs, body });
  if (limit === LEADERBOARD_PAGE_SIZE && offset % LEADERBOARD_PAGE_SIZE === 0) {
    // A whole stored page: its bytes wrapped once per leaderboard version, then served as they are.
    const n = offset / LEADERBOARD_PAGE_SIZE;
    const page = board.pages.get(n);
    let cached = board.responses.get(n);
    if (!cached) {
      cached = reply(ownedBuffer(leaderboardBody(board.hunt, page?.json.toString('utf8') ?? '[]', board.total, board, stamp)), '');
      // Only pages that exist are kept: offsets past the end must not grow the cache.
      if (page) board.responses.set(n, cached);
    }
    return cached;
  }
  // Any other window is cut from the stored pages' bytes.
  return reply(Buffer.from(leaderboardBody(board.hunt, entriesWindow(board, offset, limit), board.total, board, stamp)), `${limit}:${offset}`);
}

async function progress(ctx: SnapshotContext, req: IncomingMessage, res: ServerResponse, slug: string, playerId: string): Promise<void> {
  try {
    const { store } = ctx;
    const board = store.boards.get(docKeys.leaderboard(slug));
    if (!board) {
      ctx.onLookup(false);
      throw notFound('hunt');
    }
    if (!UUID.test(playerId)) throw new ApiError(400, 'invalid_query', 'playerId must be a UUID');
    playerId = playerId.toLowerCase();
    if (store.huntMode(slug) === 'team') return await teamPlayer(ctx, req, res, slug, playerId, board);
    const key = docKeys.progress(slug, playerId);
    // Read-your-writes stops at a freeze: the public sees the standings as of freezeAt (the
    // player's own view still shows their finds at once).
    const unpublished = board.frozen ? undefined : store.unpublished.get(key);
    let held = store.progress.get(key);
    ctx.onLookup(held !== undefined);
    if (held === undefined) {
      // Only a player this process knows of, or one the database confirms (from the unverified
      // budget, remembered either way), costs a document lookup: random ids neither reach the
      // database more than once each nor push real players' progress out of the cache.
      const known = rankOf(board, playerId) !== null || unpublished !== undefined || ctx.players.knows(playerId)
        || await ctx.players.handleOf(playerId) !== undefined;
      if (!known) throw notFound('player');
      held = await store.progress.fetch(key);
    }
    // Withdrawn (a hidden participant): gone from public reads, as a draft hunt's documents are.
    if (held.body === null && held.version > 0) throw notFound('player');
    const doc = held.body === null ? undefined : held as ServedDocument;
    if (doc && !unpublished) return send(req, res, rankedProgress(doc, board, playerId), !store.databaseUp);
    // Finds not published yet (the player's own answers, just accepted), or no find at all.
    const handle = doc ? undefined : unpublished?.[0]?.handle ?? await ctx.players.handleOf(playerId);
    if (!doc && handle === undefined) throw notFound('player');
    const stored: ProgressContent & Stamp = doc
      ? JSON.parse(doc.body.toString('utf8')) as ProgressContent & Stamp
      : {
        playerId, handle: handle!, points: 0, cluesFound: 0, finds: [], adjustments: [], frozen: board.frozen, frozenAt: board.frozenAt,
        version: 0, generatedAt: board.generatedAt,
      };
    const { version, generatedAt, ...content } = stored;
    // A find heard of after the publish that includes it was read here is not shown twice.
    const published = new Set(content.finds.map((f) => f.clueId));
    const extra = (unpublished ?? []).filter((f) => !published.has(f.clueId));
    const finds: ProgressFind[] = [...content.finds, ...extra.map(({ clueId, foundAt, points }) => ({ clueId, foundAt, points }))]
      .sort((a, b) => (a.foundAt < b.foundAt ? -1 : a.foundAt > b.foundAt ? 1 : 0));
    const view: ProgressView = {
      ...content,
      rank: rankOf(board, playerId),
      points: content.points + extra.reduce((sum, f) => sum + f.points, 0),
      cluesFound: finds.length,
      finds,
      leaderboardVersion: board.version,
    };
    return send(req, res, {
      // Which unpublished finds, not how many: two processes may have heard of different ones.
      etag: etagFor(key, version, `board:${board.version}:unpublished:${extra.map((f) => f.clueId).join(',')}`),
      version,
      generatedAtMs: doc?.generatedAtMs ?? board.generatedAtMs,
      body: Buffer.from(serialize(view, { version, generatedAt })),
    }, !store.databaseUp);
  } catch (err) {
    const known = httpErrorOf(err);
    if (known) return sendError(res, known);
    throw err;
  }
}

/** A player of a team hunt: their team's standing and finds (every team's document is held). */
async function teamPlayer(
  ctx: SnapshotContext, req: IncomingMessage, res: ServerResponse, slug: string, playerId: string, board: ServedBoard,
): Promise<void> {
  const teamId = ctx.store.teamOf(slug, playerId);
  const doc = teamId === undefined ? undefined : ctx.store.documents.get(docKeys.team(slug, teamId));
  ctx.onLookup(doc !== undefined);
  const handle = await ctx.players.handleOf(playerId);
  if (handle === undefined) throw notFound('player');
  const stamp: Stamp = doc ? JSON.parse(doc.body.toString('utf8')) as Stamp : { version: 0, generatedAt: board.generatedAt };
  const team = doc ? JSON.parse(doc.body.toString('utf8')) as TeamContent : undefined;
  const view: TeamPlayerView = {
    playerId, handle, teamId: teamId ?? null, rank: teamId ? rankOf(board, teamId) : null,
    points: team?.points ?? 0, cluesFound: team?.cluesFound ?? 0, finds: team?.finds ?? [], adjustments: team?.adjustments ?? [],
    frozen: board.frozen, frozenAt: board.frozenAt, leaderboardVersion: board.version,
  };
  return send(req, res, {
    etag: etagFor(docKeys.progress(slug, playerId), stamp.version, `team:${teamId ?? ''}:board:${board.version}`),
    version: stamp.version,
    generatedAtMs: doc?.generatedAtMs ?? board.generatedAtMs,
    body: Buffer.from(serialize(view, { version: stamp.version, generatedAt: stamp.generatedAt })),
  }, !ctx.store.databaseUp);
}

/** A team's document (every team's is held), with its rank on the board this process holds. */
function team(ctx: SnapshotContext, slug: string, teamId: string): Reply {
  const board = ctx.store.boards.get(docKeys.leaderboard(slug));
  if (!UUID.test(teamId)) {
    ctx.onLookup(false);
    throw notFound('team');
  }
  const doc = required(ctx, board && ctx.store.documents.get(docKeys.team(slug, teamId.toLowerCase())), 'team');
  return rankedProgress(doc, board!, teamId.toLowerCase());
}

/**
 * The common case, without parsing: the stored progress bytes with the rank and the version of
 * the leaderboard it comes from spliced in before the closing brace.
 */
function rankedProgress(doc: ServedDocument, board: ServedBoard, playerId: string): Reply {
  const tail = `,"rank":${rankOf(board, playerId)},"leaderboardVersion":${board.version}}`;
  const body = Buffer.concat([doc.body.subarray(0, doc.body.length - 1), Buffer.from(tail)]);
  // The stored document's tag, told apart per leaderboard version: its rank may differ.
  return { etag: `${doc.etag.slice(0, -1)}.${board.version}"`, version: doc.version, generatedAtMs: doc.generatedAtMs, body };
}

/** Whether an If-None-Match header matches the tag. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison, as If-None-Match requires: W/"x" matches "x".
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, stale: boolean): void {
  const headers: Record<string, string> = {
    'etag': reply.etag,
    'x-snapshot-version': String(reply.version),
    'x-snapshot-age-ms': String(Math.max(0, Date.now() - reply.generatedAtMs)),
    'cache-control': 'public, max-age=1',
  };
  // The database is unreachable: this is the last document we have, and it may be behind.
  if (stale) headers['x-snapshot-stale'] = 'true';
  sendTagged(req, res, reply, headers);
}

/**
 * A JSON body with its ETag (in `headers`): 304 without a body when If-None-Match matches it
 * (whatever the request's own Cache-Control says), else 200 (no body for HEAD).
 */
export function sendTagged(req: IncomingMessage, res: ServerResponse, reply: { etag: string; body: Buffer }, headers: Record<string, string>): void {
  if (etagMatches(req.headers['if-none-match'], reply.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': reply.body.length });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}
