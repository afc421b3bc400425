// The shapes of the documents the worker publishes and the API serves, their keys in
// snapshot_documents, and how they are serialized. Both sides import this file; nothing else
// about a document's shape lives anywhere else.
import { createHash } from 'node:crypto';

/** Bump when a document's shape changes. Rows carry it, and a reader loads only the version it knows. */
export const FORMAT_VERSION = 1;

/** Default page size of the leaderboard; pages of this size are pre-serialized by the worker. */
export const LEADERBOARD_PAGE_SIZE = 50;

export type DocumentKind = 'hunts' | 'hunt' | 'leaderboard' | 'leaderboard_page' | 'progress';

export type HuntStatus = 'draft' | 'live' | 'ended';
export const HUNT_STATUSES: readonly HuntStatus[] = ['draft', 'live', 'ended'];

/** ISO 8601 / RFC 3339 UTC with milliseconds, e.g. 2026-11-26T10:31:38.123Z */
export type Timestamp = string;

export interface Stamp { version: number; generatedAt: Timestamp }

export interface HuntsIndexItem {
  slug: string; title: string; status: HuntStatus;
  startsAt: Timestamp | null; endsAt: Timestamp | null;
  clueCount: number; playerCount: number;
}
export interface HuntsIndexContent { hunts: HuntsIndexItem[] }

export interface FirstFinder { playerId: string; handle: string; foundAt: Timestamp }
export interface ClueView {
  id: string; position: number; title: string; body: string; points: number;
  solveCount: number; firstFinder: FirstFinder | null;
}
export interface HuntDetailContent {
  slug: string; title: string; description: string; status: HuntStatus;
  startsAt: Timestamp | null; endsAt: Timestamp | null;
  clueCount: number; playerCount: number; findCount: number;
  clues: ClueView[];
}

export interface LeaderboardEntry {
  rank: number; playerId: string; handle: string; points: number; cluesFound: number; lastFindAt: Timestamp;
}
/** The whole standings of a hunt; pages are slices of it. */
export interface LeaderboardContent { hunt: string; entries: LeaderboardEntry[]; total: number }

export interface ProgressFind { clueId: string; foundAt: Timestamp; points: number }
export interface ProgressContent {
  playerId: string; handle: string; rank: number | null; points: number; cluesFound: number;
  finds: ProgressFind[];
}

export const docKeys = {
  huntsIndex: () => 'hunts',
  hunt: (slug: string) => `hunt:${slug}`,
  leaderboard: (slug: string) => `leaderboard:${slug}`,
  leaderboardPage: (slug: string, page: number) => `leaderboard:${slug}:page:${page}`,
  progress: (slug: string, playerId: string) => `progress:${slug}:${playerId}`,
};

/** The serialized document: its content with the stamp appended, keys in a fixed order. */
export function serialize<T extends object>(content: T, stamp: Stamp): string {
  return JSON.stringify({ ...content, version: stamp.version, generatedAt: stamp.generatedAt });
}

/** Hash of the content without its stamp: equal hashes mean nothing a client sees has changed. */
export function contentHash(content: object): Buffer {
  return createHash('sha256').update(JSON.stringify(content)).digest();
}

/** One page of a leaderboard: `limit` entries from `offset`, with the leaderboard's stamp. */
export function leaderboardPage(board: LeaderboardContent, limit: number, offset: number, stamp: Stamp): string {
  return serialize({ hunt: board.hunt, entries: board.entries.slice(offset, offset + limit), total: board.total }, stamp);
}

/** Strong ETag derived from what identifies the bytes: the document, its format and version. */
export function etagFor(docKey: string, version: number, variant = ''): string {
  const tag = createHash('sha1').update(`${docKey}|${FORMAT_VERSION}|${variant}`).digest('base64url').slice(0, 10);
  return `"${tag}.${version}"`;
}

export function toTimestamp(value: Date | null | undefined): Timestamp | null {
  return value ? value.toISOString() : null;
}
