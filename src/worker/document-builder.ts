// Turns read-model rows into the content of documents. Pure: the same rows give the same bytes,
// whichever path (full or incremental refresh) produced them, which is what lets the two paths be
// checked against each other.
import {
  FEED_SIZE, LEADERBOARD_PAGE_SIZE, competitorOf, docKeys, entryOf, toTimestamp,
  NOT_FROZEN, type RosterContent, type Announcement, type ClueView, type Freeze, type DocumentKind, type FeedContent, type FeedEntry, type PublicHuntStatus, type FirstFinder, type HuntDetailContent, type HuntMode, type HuntsIndexContent,
  type BookClue, type ClueBook, type LeaderboardEntry, type LeaderboardHead, type OwnContent, type ProgressContent, type TeamContent,
} from '../core/documents.ts';
import type { AnnouncementRow, BookClueRow, CompetitorFindsRow, HuntRow, HuntRows, OwnRow } from './read-model-rows.ts';

export interface DocumentDraft {
  key: string;
  kind: DocumentKind;
  content: object;
  /** Stored as bare content, without the version/generatedAt stamp (leaderboard pages). */
  bare?: boolean;
}

export interface BoardDrafts { head: DocumentDraft; pages: DocumentDraft[] }

export interface HuntDocuments {
  detail: DocumentDraft & { content: HuntDetailContent };
  /** The full path drafts every page; the incremental path only the pages whose entries moved. */
  board: BoardDrafts;
  /**
   * Per-competitor documents (a player's progress or a team's, and private state for the own view)
   * and, on the full path, the clue book: the full path drafts them all, the incremental path only
   * the changed competitors'.
   */
  progress: DocumentDraft[];
  /** The ranked standings the board was cut from (the next incremental refresh starts from them). */
  entries: LeaderboardEntry[];
  /** The activity feed (both paths). */
  feed: DocumentDraft & { content: FeedContent };
  /** Progress keys to withdraw, whether or not they were ever published (hidden competitors; full path). */
  withdrawn?: string[];
}

export interface HuntCounts { clueCount: number; playerCount: number; findCount: number }

export function detailDraft(hunt: HuntRow, counts: HuntCounts, clues: ClueView[], announcements: Announcement[]): HuntDocuments['detail'] {
  const content: HuntDetailContent = {
    slug: hunt.slug,
    // Right after the slug: the API tells a team hunt from the first bytes, without parsing.
    mode: hunt.mode,
    title: hunt.title,
    description: hunt.description,
    status: publicStatus(hunt),
    startsAt: toTimestamp(hunt.starts_at),
    endsAt: toTimestamp(hunt.ends_at),
    clueCount: counts.clueCount,
    playerCount: counts.playerCount,
    findCount: counts.findCount,
    clues: hunt.scheduled ? [] : clues,
    announcements,
    ...freezeOf(hunt),
  };
  return { key: docKeys.hunt(hunt.slug), kind: 'hunt', content };
}

/** Whether the hunt's public documents are frozen, as each of them says. */
export function freezeOf(hunt: Pick<HuntRow, 'frozen' | 'freeze_at'>): Freeze {
  return hunt.frozen ? { frozen: true, frozenAt: toTimestamp(hunt.freeze_at) } : NOT_FROZEN;
}

export function publicStatus(hunt: Pick<HuntRow, 'status' | 'scheduled'>): PublicHuntStatus {
  return hunt.scheduled ? 'scheduled' : hunt.status;
}

export function boardDrafts(slug: string, entries: LeaderboardEntry[], freeze: Freeze): BoardDrafts {
  const pages: DocumentDraft[] = [];
  // An empty board still has its first page, so the default window always exists.
  for (let start = 0; start === 0 || start < entries.length; start += LEADERBOARD_PAGE_SIZE) {
    pages.push({
      key: docKeys.leaderboardPage(slug, start / LEADERBOARD_PAGE_SIZE),
      kind: 'leaderboard_page',
      content: entries.slice(start, start + LEADERBOARD_PAGE_SIZE),
      bare: true,
    });
  }
  const head: LeaderboardHead = { hunt: slug, total: entries.length, ...freeze };
  return { head: { key: docKeys.leaderboard(slug), kind: 'leaderboard', content: head }, pages };
}

/** One competitor's finds in order, as the database aggregates them: [[clueId, foundAtEpochMs, points, playerId], ...]. */
export type FindTuple = [clueId: string, foundAtMs: number, points: number, playerId: string];

/** A competitor as a solo hunt's documents name it (the player: playerId, handle) or a team hunt's (teamId, name). */
export function named(mode: HuntMode, id: string, name: string): { playerId: string; handle: string } | { teamId: string; name: string } {
  return mode === 'team' ? { teamId: id, name } : { playerId: id, handle: name };
}

export const firstFinderOf = (mode: HuntMode, id: string, name: string, foundAt: string): FirstFinder =>
  ({ ...named(mode, id, name), foundAt });

/** A team's members from its row, [[playerId, handle], ...] in joining order. */
export function membersOf(row: CompetitorFindsRow): { playerId: string; handle: string }[] {
  return row.members ? (JSON.parse(row.members) as [string, string][]).map(([playerId, handle]) => ({ playerId, handle })) : [];
}

/**
 * A competitor's stored document: a player's progress, or a team's. `rankedPoints` is their
 * leaderboard points when they are ranked.
 */
export function competitorDraft(
  hunt: Pick<HuntRow, 'slug' | 'mode' | 'frozen' | 'freeze_at'>, row: CompetitorFindsRow, own: FindTuple[], rankedPoints: number | undefined,
): DocumentDraft {
  const { slug, mode } = hunt;
  // Not ranked (a find already on the way to the board, none yet, or hidden): their ledger's points.
  const points = rankedPoints ?? row.points ?? own.reduce((sum, [, , p]) => sum + p, 0);
  const adjustments = row.adjustments
    ? (JSON.parse(row.adjustments) as [number, string, number][]).map(([p, reason, atMs]) => ({ points: p, reason, at: new Date(atMs).toISOString() }))
    : [];
  if (mode === 'team') {
    const content: TeamContent = {
      teamId: row.competitor_id, name: row.name, members: membersOf(row), points, cluesFound: own.length,
      finds: own.map(([clueId, foundAtMs, p, playerId]) => ({ clueId, foundAt: new Date(foundAtMs).toISOString(), points: p, playerId })),
      adjustments,
      ...freezeOf(hunt),
    };
    return { key: docKeys.team(slug, row.competitor_id), kind: 'team', content };
  }
  const content: ProgressContent = {
    playerId: row.competitor_id,
    handle: row.name,
    points,
    cluesFound: own.length,
    finds: own.map(([clueId, foundAtMs, p]) => ({ clueId, foundAt: new Date(foundAtMs).toISOString(), points: p })),
    adjustments,
    ...freezeOf(hunt),
  };
  return { key: docKeys.progress(slug, row.competitor_id), kind: 'progress', content };
}

/** A hunt's private clue book: what a competitor's own view is assembled from (full path only). */
export function bookDraft(hunt: HuntRow, rows: BookClueRow[]): DocumentDraft {
  const clues: BookClue[] = rows.map((c) => ({
    id: c.id, position: c.position, title: c.title, body: c.body, points: c.points,
    unlock: c.unlock_after_clues || c.unlock_after_finds || c.unlock_after_minutes
      ? { afterClues: c.unlock_after_clues ?? [], afterFinds: c.unlock_after_finds, afterMinutes: c.unlock_after_minutes }
      : null,
    hints: c.hints ? (JSON.parse(c.hints) as [number, number, string][]).map(([n, cost, text]) => ({ n, cost, text })) : [],
  }));
  const content: ClueBook = { startsAt: toTimestamp(hunt.starts_at), unlockFrom: toTimestamp(hunt.unlock_from), clues };
  return { key: docKeys.book(hunt.slug), kind: 'book', content };
}

/**
 * A team hunt's private roster of hidden teams' members (full path only: hiding is; a membership
 * change of a hidden team takes the full path too, see refresh-hunt.ts).
 */
export function rosterDraft(slug: string, members: HuntRows['hiddenMembers']): DocumentDraft {
  const content: RosterContent = { hidden: members.map((m) => [m.player_id, m.team_id]) };
  return { key: docKeys.roster(slug), kind: 'roster', content };
}

/** A competitor's private state: every team's, and a player's once they hold a hint. */
export function ownDraft(slug: string, row: OwnRow): DocumentDraft {
  const content: OwnContent = {
    name: row.name,
    points: row.points ?? 0,
    hints: row.hints ? JSON.parse(row.hints) as [string, number][] : [],
    joinCode: row.join_code,
    finds: row.live_finds === null ? null
      : (JSON.parse(row.live_finds) as [string, number][]).map(([clueId, foundAtMs]) => [clueId, new Date(foundAtMs).toISOString()]),
  };
  return { key: docKeys.own(slug, row.competitor_id), kind: 'own', content };
}

/** Announcements as documents show them (rows newest first). */
export function announcementsOf(rows: AnnouncementRow[]): Announcement[] {
  return rows.map((a) => ({ id: a.id, at: a.at.toISOString(), text: a.text, clueId: a.clue_id }));
}

// Feed order, on both paths (feed_entries in read-model-rows.ts sorts the same way): newest first,
// then by type, clue, competitor and text in byte order (ids and the fixed timestamp format compare
// as ASCII; a null sorts first).
const bytes = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : Buffer.compare(Buffer.from(a), Buffer.from(b)));
export function compareFeedEntries(a: FeedEntry, b: FeedEntry): number {
  const kind = (e: FeedEntry) => (e.type === 'announcement' ? 'announcement' : 'find');
  return bytes(b.at, a.at) || bytes(kind(a), kind(b)) || bytes(a.clueId, b.clueId) || bytes(a.competitorId, b.competitorId) || bytes(a.text, b.text);
}

/**
 * The feed from its latest entries (newest first, at most FEED_SIZE kept): a find is the first
 * find when its competitor is the clue's first finder in the hunt document.
 */
export function feedDraft(slug: string, entries: FeedEntry[], clues: ClueView[], freeze: Freeze): HuntDocuments['feed'] {
  const first = new Map(clues.map((c) => [c.id, c.firstFinder ? competitorOf(c.firstFinder).id : null]));
  const content: FeedContent = {
    entries: entries.slice(0, FEED_SIZE).map((e) => (e.type === 'announcement' ? e
      : { ...e, type: first.get(e.clueId!) === e.competitorId ? 'first_find' : 'find' })),
    ...freeze,
  };
  return { key: docKeys.feed(slug), kind: 'feed', content };
}

/** Every document of a hunt from its rows (the full path; the ranking comes from SQL). */
export function buildHuntDocuments(rows: HuntRows): HuntDocuments {
  const { hunt, clues, summary, standings, finds } = rows;
  const clueViews: ClueView[] = clues.map((c) => ({
    id: c.id,
    position: c.position,
    title: c.title,
    body: c.body,
    points: c.points,
    locked: c.locked,
    solveCount: c.solve_count,
    firstFinder: c.first_competitor_id && c.first_name && c.first_found_at
      ? firstFinderOf(hunt.mode, c.first_competitor_id, c.first_name, c.first_found_at.toISOString())
      : null,
  }));
  const memberCounts = new Map(finds.map((row) => [row.competitor_id, membersOf(row).length]));
  const entries: LeaderboardEntry[] = standings.map((s) => entryOf(hunt.mode, {
    id: s.competitor_id, name: s.name, rank: s.rank, points: s.points, cluesFound: s.clues_found,
    lastFindAt: s.last_find_at.toISOString(), memberCount: memberCounts.get(s.competitor_id) ?? 0,
  }));
  const rankedPoints = new Map(standings.map((s) => [s.competitor_id, s.points]));
  return {
    detail: detailDraft(hunt, { clueCount: summary.clue_count, playerCount: summary.player_count, findCount: summary.find_count },
      clueViews, announcementsOf(rows.announcements)),
    feed: feedDraft(hunt.slug, rows.feed.map((f) => ({
      type: f.type, at: f.at.toISOString(), competitorId: f.competitor_id, name: f.name, clueId: f.clue_id, text: f.text,
    })), clueViews, freezeOf(hunt)),
    board: boardDrafts(hunt.slug, entries, freezeOf(hunt)),
    progress: [
      ...finds.map((row) => competitorDraft(hunt, row, JSON.parse(row.finds) as FindTuple[], rankedPoints.get(row.competitor_id))),
      bookDraft(hunt, rows.book),
      ...(hunt.mode === 'team' ? [rosterDraft(hunt.slug, rows.hiddenMembers)] : []),
      ...rows.own.map((row) => ownDraft(hunt.slug, row)),
    ],
    entries,
    withdrawn: rows.hidden.map((id) => (hunt.mode === 'team' ? docKeys.team(hunt.slug, id) : docKeys.progress(hunt.slug, id))),
  };
}

export interface IndexRow extends Pick<HuntRow, 'slug' | 'title' | 'starts_at' | 'ends_at'> {
  status: PublicHuntStatus; clue_count: number; player_count: number;
}

export function buildHuntsIndex(rows: IndexRow[]): DocumentDraft {
  const content: HuntsIndexContent = {
    hunts: rows.map((r) => ({
      slug: r.slug, title: r.title, status: r.status,
      startsAt: toTimestamp(r.starts_at), endsAt: toTimestamp(r.ends_at),
      clueCount: r.clue_count, playerCount: r.player_count,
    })),
  };
  return { key: docKeys.huntsIndex(), kind: 'hunts', content };
}
