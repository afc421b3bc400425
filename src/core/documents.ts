// The shapes of the documents the worker publishes and the API serves, their keys in
// snapshot_documents, and how they are serialized. Both sides import this file; nothing else
// about a document's shape lives anywhere else.
import { createHash } from 'node:crypto';

/** Bump when a document's shape changes. Rows carry it, and a reader loads only the version it knows. */
// 3: clues carry `locked` (title and body null while locked); team hunts' entries, first finders
// and team documents. A worker of this format rebuilds every hunt in it; older APIs keep reading
// format 2 rows, which stay until nobody reads them.
// 4: the feed document, announcements in the hunt, adjustments in progress and team documents,
// the book's startsAt, status "scheduled".
export const FORMAT_VERSION = 4;

/** Default page size of the leaderboard; the worker stores the standings in pages of this size. */
export const LEADERBOARD_PAGE_SIZE = 50;

export type DocumentKind = 'hunts' | 'hunt' | 'leaderboard' | 'leaderboard_page' | 'progress' | 'team' | 'book' | 'own' | 'feed' | 'roster';

/** Kinds never served on a public route: only assembled into a player's own view. */
export const PRIVATE_KINDS: readonly DocumentKind[] = ['book', 'own', 'roster'];

/** Who competes: players on their own (solo), or teams of players (team). */
export type HuntMode = 'solo' | 'team';

export type HuntStatus = 'draft' | 'live' | 'ended';
export const HUNT_STATUSES: readonly HuntStatus[] = ['draft', 'live', 'ended'];
/** A hunt's status as the public sees it: a live hunt whose startsAt is to come is "scheduled" (derived, never stored). */
export type PublicHuntStatus = HuntStatus | 'scheduled';

/** ISO 8601 / RFC 3339 UTC with milliseconds, e.g. 2026-11-26T10:31:38.123Z */
export type Timestamp = string;

export interface Stamp { version: number; generatedAt: Timestamp }

export interface HuntsIndexItem {
  slug: string; title: string; status: PublicHuntStatus;
  startsAt: Timestamp | null; endsAt: Timestamp | null;
  clueCount: number; playerCount: number;
}
export interface HuntsIndexContent { hunts: HuntsIndexItem[] }

// A competitor as documents name it: a player (solo hunts) by playerId and handle, a team by
// teamId and name. competitorOf reads either back.
export type FirstFinder = { playerId: string; handle: string; foundAt: Timestamp } | { teamId: string; name: string; foundAt: Timestamp };
/**
 * A clue as the public sees it. A clue with unlock conditions is `locked`, its title and body null
 * whatever anyone has found (each competitor sees its own unlocks in its own view); one whose only
 * condition is time opens for everyone when that time comes.
 */
export interface ClueView {
  id: string; position: number; title: string | null; body: string | null; points: number; locked: boolean;
  solveCount: number; firstFinder: FirstFinder | null;
}
export interface HuntDetailContent extends Freeze {
  slug: string; mode: HuntMode; title: string; description: string; status: PublicHuntStatus;
  startsAt: Timestamp | null; endsAt: Timestamp | null;
  clueCount: number; playerCount: number; findCount: number;
  /** Empty while the hunt is scheduled. */
  clues: ClueView[];
  /** Newest first. */
  announcements: Announcement[];
}

/** An organiser's message to the players of a hunt, maybe about one clue. */
export interface Announcement { id: string; at: Timestamp; text: string; clueId: string | null }

/**
 * The hunt's activity feed: the latest finds and announcements, newest first (fields that do not
 * apply are null). A clue's first find is listed once, as first_find.
 */
export interface FeedEntry {
  type: 'find' | 'first_find' | 'announcement';
  at: Timestamp; competitorId: string | null; name: string | null; clueId: string | null; text: string | null;
}
export interface FeedContent extends Freeze { entries: FeedEntry[] }
export const FEED_SIZE = 50;

export interface PlayerEntry {
  rank: number; playerId: string; handle: string; points: number; cluesFound: number; lastFindAt: Timestamp;
}
export interface TeamEntry {
  rank: number; teamId: string; name: string; points: number; cluesFound: number; lastFindAt: Timestamp; memberCount: number;
}
export type LeaderboardEntry = PlayerEntry | TeamEntry;

/** A leaderboard entry of either mode. */
export function entryOf(
  mode: HuntMode, s: { id: string; name: string; rank: number; points: number; cluesFound: number; lastFindAt: string; memberCount: number },
): LeaderboardEntry {
  // Keys in a fixed order: these objects are serialized as they are.
  return mode === 'team'
    ? { rank: s.rank, teamId: s.id, name: s.name, points: s.points, cluesFound: s.cluesFound, lastFindAt: s.lastFindAt, memberCount: s.memberCount }
    : { rank: s.rank, playerId: s.id, handle: s.name, points: s.points, cluesFound: s.cluesFound, lastFindAt: s.lastFindAt };
}

/** The competitor a leaderboard entry or first finder names. */
export function competitorOf(named: LeaderboardEntry | FirstFinder): { id: string; name: string } {
  return 'teamId' in named ? { id: named.teamId, name: named.name } : { id: named.playerId, name: named.handle };
}

/**
 * How the worker stores a leaderboard: a small head document (its version is the leaderboard's
 * version, bumped whenever any page changes) and pages of LEADERBOARD_PAGE_SIZE entries, each a
 * bare JSON array rewritten only when its own entries change. A find that moves one player
 * rewrites the pages between their old and new place, not the whole standings.
 */
/**
 * Whether a hunt's public documents are frozen: from its freezeAt on they show the standings as of
 * that moment (frozenAt), until an organiser unfreezes it. Every hunt-scoped public document has it.
 */
export interface Freeze { frozen: boolean; frozenAt: Timestamp | null }
export const NOT_FROZEN: Freeze = { frozen: false, frozenAt: null };

export interface LeaderboardHead extends Freeze { hunt: string; total: number }
export type LeaderboardPageContent = LeaderboardEntry[];

export interface ProgressFind { clueId: string; foundAt: Timestamp; points: number }
/** A player's progress as stored: everything but the rank, which changes with other players' finds. */
export interface ProgressContent extends Freeze {
  playerId: string; handle: string; points: number; cluesFound: number; finds: ProgressFind[]; adjustments: Adjustment[];
}
/** An organiser's award (positive) or penalty (negative), with its reason. */
export interface Adjustment { points: number; reason: string; at: Timestamp }
/**
 * A player's progress as served: the stored document with the rank read from the leaderboard the
 * API holds, and that leaderboard's version. Finds the player just made show at once; their rank
 * follows when the leaderboard is republished.
 */
export interface ProgressView extends ProgressContent { rank: number | null; leaderboardVersion: number }

/**
 * A player's progress in a team hunt: their team's (null when in none), its rank, points, clues
 * found and finds, each with the member who made it.
 */
export interface TeamPlayerView extends Freeze {
  playerId: string; handle: string; teamId: string | null; rank: number | null; points: number; cluesFound: number;
  finds: TeamFind[]; adjustments: Adjustment[]; leaderboardVersion: number;
}

export interface TeamFind extends ProgressFind { playerId: string }
/** A team as stored (GET /v1/hunts/:slug/teams/:teamId adds its rank, like a player's progress). */
export interface TeamContent extends Freeze {
  teamId: string; name: string; members: { playerId: string; handle: string }[];
  points: number; cluesFound: number; finds: TeamFind[]; adjustments: Adjustment[];
}

/** A clue's unlock conditions (clue ids, not positions), or null for none. */
export interface UnlockRule { afterClues: string[]; afterFinds: number | null; afterMinutes: number | null }
export interface BookClue {
  id: string; position: number; title: string; body: string; points: number;
  unlock: UnlockRule | null; hints: { n: number; cost: number; text: string }[];
}
/** A hunt's clue book (private): every clue as its organiser wrote it; time rules count from unlockFrom. */
/** startsAt: before it, the own view shows no clue (the API's clock decides, as for afterMinutes). */
export interface ClueBook { startsAt: Timestamp | null; unlockFrom: Timestamp | null; clues: BookClue[] }
/**
 * The members of a team hunt's hidden teams (private): their teams' public documents are withdrawn,
 * but their own view still shows their team. [[playerId, teamId], ...]
 */
export interface RosterContent { hidden: [string, string][] }
/** A competitor's own state (private): hints held [[clueId, n]], ledger points, a team's join code. */
export interface OwnContent {
  name: string; points: number; hints: [string, number][]; joinCode: string | null;
  /** Live finds [[clueId, foundAt]] where public documents may lag them (a hunt with a freezeAt, a hidden competitor), else null. */
  finds: [string, Timestamp][] | null;
}

export const docKeys = {
  huntsIndex: () => 'hunts',
  hunt: (slug: string) => `hunt:${slug}`,
  leaderboard: (slug: string) => `leaderboard:${slug}`,
  leaderboardPage: (slug: string, page: number) => `leaderboard:${slug}:page:${page}`,
  progress: (slug: string, playerId: string) => `progress:${slug}:${playerId}`,
  team: (slug: string, teamId: string) => `team:${slug}:${teamId}`,
  book: (slug: string) => `book:${slug}`,
  own: (slug: string, competitorId: string) => `own:${slug}:${competitorId}`,
  feed: (slug: string) => `feed:${slug}`,
  roster: (slug: string) => `roster:${slug}`,
};

/** The serialized document: its content with the stamp appended, keys in a fixed order. */
export function serialize<T extends object>(content: T, stamp: Stamp): string {
  return JSON.stringify({ ...content, version: stamp.version, generatedAt: stamp.generatedAt });
}

/** A served leaderboard window around an already serialized entries array (a stored page). */
export function leaderboardBody(hunt: string, entriesJson: string, total: number, freeze: Freeze, stamp: Stamp): string {
  return `{"hunt":${JSON.stringify(hunt)},"entries":${entriesJson},"total":${total},`
    + `"frozen":${freeze.frozen},"frozenAt":${JSON.stringify(freeze.frozenAt)},`
    + `"version":${stamp.version},"generatedAt":${JSON.stringify(stamp.generatedAt)}}`;
}

/** Hash of the content without its stamp: equal hashes mean nothing a client sees has changed. */
export function contentHash(content: object): Buffer {
  return createHash('sha256').update(JSON.stringify(content)).digest();
}


/** Strong ETag derived from what identifies the bytes: the document, its format and version. */
export function etagFor(docKey: string, version: number, variant = ''): string {
  const tag = createHash('sha1').update(`${docKey}|${FORMAT_VERSION}|${variant}`).digest('base64url').slice(0, 10);
  return `"${tag}.${version}"`;
}

export function toTimestamp(value: Date | null | undefined): Timestamp | null {
  return value ? value.toISOString() : null;
}
