// The incremental path: a hunt's new documents from its last published ones and the competitors
// who changed since. Only the changed competitors are read from the database; everyone else's
// standing is taken from the published leaderboard. The ranking rules are the ones
// sql/views/hunt_standings applies on the full path (points, then the latest find, ties listed by
// name in byte order, then id), written here a second time on purpose: tests hold the two paths to
// the same bytes. Documents name a competitor as a player (solo) or a team: competitorOf reads it.
import {
  LEADERBOARD_PAGE_SIZE, competitorOf, entryOf, type ClueView, type FeedEntry, type FirstFinder, type HuntDetailContent, type LeaderboardEntry,
} from '../core/documents.ts';
import {
  boardDrafts, compareFeedEntries, competitorDraft, detailDraft, feedDraft, firstFinderOf, freezeOf, membersOf, ownDraft,
  type BoardDrafts, type FindTuple, type HuntDocuments,
} from './document-builder.ts';
import type { ChangedCompetitorRow, HuntRow, ChangeRow } from './read-model-rows.ts';

export interface PublishedState { detail: HuntDetailContent; entries: LeaderboardEntry[]; feed: FeedEntry[] }

export function applyChanges(
  hunt: HuntRow, published: PublishedState, changes: ChangeRow[], competitors: ChangedCompetitorRow[], playerCount: number,
): HuntDocuments {
  const changed = new Map(competitors.map((c) => [c.competitor_id, c]));
  const finds = new Map(competitors.map((c) => [c.competitor_id, JSON.parse(c.finds) as FindTuple[]]));

  // Standings: everyone unchanged keeps their published entry; changed competitors are re-read.
  const unranked = published.entries.filter((e) => !changed.has(competitorOf(e).id));
  for (const c of competitors) {
    const own = finds.get(c.competitor_id)!;
    if (c.hidden || c.points === null || own.length === 0) continue;
    // Finds come in time order: the last one is the latest find, the tie-break.
    const [, lastFindMs] = own[own.length - 1]!;
    unranked.push(entryOf(hunt.mode, {
      id: c.competitor_id, name: c.name, rank: 0, points: c.points, cluesFound: own.length,
      lastFindAt: new Date(lastFindMs).toISOString(), memberCount: membersOf(c).length,
    }));
  }
  const entries = rank(unranked.sort(compareStandings));

  // Clue statistics: each change is one new find, applied once (its row is consumed by this publish).
  const clues = new Map<string, ClueView>(published.detail.clues.map((c) => [c.id, { ...c }]));
  const feed = [...published.feed];
  for (const change of changes) {
    const competitor = changed.get(change.competitor_id);
    if (change.kind !== 'find' || !change.clue_id || !competitor || competitor.hidden) continue;
    const find = finds.get(change.competitor_id)!.find(([clueId]) => clueId === change.clue_id);
    const clue = clues.get(change.clue_id);
    if (!find || !clue) continue;
    feed.push({ type: 'find', at: new Date(find[1]).toISOString(), competitorId: competitor.competitor_id, name: competitor.name, clueId: clue.id, text: null });
    const candidate = firstFinderOf(hunt.mode, competitor.competitor_id, competitor.name, new Date(find[1]).toISOString());
    clues.set(clue.id, {
      ...clue,
      solveCount: clue.solveCount + 1,
      firstFinder: !clue.firstFinder || compareFirstFinders(candidate, clue.firstFinder) < 0 ? candidate : clue.firstFinder,
    });
  }

  const rankedPoints = new Map(entries.map((e) => [competitorOf(e).id, e.points]));
  const clueViews = published.detail.clues.map((c) => clues.get(c.id)!);
  return {
    detail: detailDraft(hunt, {
      clueCount: published.detail.clueCount,
      playerCount,
      findCount: entries.reduce((sum, e) => sum + e.cluesFound, 0),
    }, clueViews, published.detail.announcements),
    // New finds merged in by time (a find may commit after a later one), and labelled again: a
    // clue's first finder may have changed.
    feed: feedDraft(hunt.slug, feed.sort(compareFeedEntries), clueViews, freezeOf(hunt)),
    board: changedPages(boardDrafts(hunt.slug, entries, freezeOf(hunt)), entries, published.entries),
    progress: competitors
      // A hidden competitor's progress stays withdrawn (the full path that hid them withdrew it).
      // A team has its document from its creation; a player from their first score event (a find, a hint).
      .filter((c) => !c.hidden && (hunt.mode === 'team' || c.points !== null))
      .map((c) => competitorDraft(hunt, c, finds.get(c.competitor_id)!, rankedPoints.get(c.competitor_id)))
      // A competitor's private state (own view): a team's always, a player's once they hold a hint,
      // everyone's in a hunt with a freezeAt (their live finds and points).
      .concat(competitors.filter((c) => hunt.mode === 'team' || c.hints !== null || c.live_finds !== null)
        .map((c) => ownDraft(hunt.slug, { ...c, points: c.live_points }))),
    entries,
  };
}

/**
 * Only the pages whose entries moved: rank() keeps every unchanged entry as the same object, so a
 * page whose every slot holds the object published there is the page stored. Drafting (hashing,
 * serializing) all pages of a thousand players for one find is most of a refresh's own CPU.
 */
function changedPages(board: BoardDrafts, entries: LeaderboardEntry[], before: LeaderboardEntry[]): BoardDrafts {
  const pages = board.pages.filter((_, n) => {
    const start = n * LEADERBOARD_PAGE_SIZE;
    const end = Math.min(start + LEADERBOARD_PAGE_SIZE, Math.max(entries.length, before.length));
    if (start >= before.length) return true;
    for (let i = start; i < end; i++) if (entries[i] !== before[i]) return true;
    return false;
  });
  return { head: board.head, pages };
}

// `collate "C"` orders by UTF-8 bytes, which is code point order; UTF-16 order is the same but for
// surrogate pairs (above U+FFFF), which only team names can hold: those are compared as bytes.
// Timestamps are ISO strings of one fixed format, so string order is time order.
const SURROGATE = /[\uD800-\uDFFF]/;
function byBytes(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareStandings(a: LeaderboardEntry, b: LeaderboardEntry): number {
  const [x, y] = [competitorOf(a), competitorOf(b)];
  return b.points - a.points || byBytes(a.lastFindAt, b.lastFindAt) || byBytes(x.name, y.name) || byBytes(x.id, y.id);
}

function compareFirstFinders(a: FirstFinder, b: FirstFinder): number {
  const [x, y] = [competitorOf(a), competitorOf(b)];
  return byBytes(a.foundAt, b.foundAt) || byBytes(x.name, y.name) || byBytes(x.id, y.id);
}

/** rank() semantics: equal points and equal latest find share a rank (1-2-2-4). Reuses unchanged entries. */
function rank(sorted: LeaderboardEntry[]): LeaderboardEntry[] {
  let current = 0;
  return sorted.map((e, i) => {
    const prev = sorted[i - 1];
    if (!prev || prev.points !== e.points || prev.lastFindAt !== e.lastFindAt) current = i + 1;
    return e.rank === current ? e : { ...e, rank: current };
  });
}
