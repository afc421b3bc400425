// The incremental path: a hunt's new documents from its last published ones and the players who
// changed since. Only the changed players are read from the database; everyone else's standing
// is taken from the published leaderboard. The ranking rules are the ones sql/views/hunt_standings
// applies on the full path (points, then the latest score event, ties listed by handle in byte
// order, then id), written here a second time on purpose: tests hold the two paths to the same bytes.
import { LEADERBOARD_PAGE_SIZE, type ClueView, type FirstFinder, type HuntDetailContent, type LeaderboardEntry } from '../core/documents.ts';
import { boardDrafts, detailDraft, progressDraft, type BoardDrafts, type FindTuple, type HuntDocuments } from './document-builder.ts';
import type { ChangedPlayerRow, HuntRow, ChangeRow } from './read-model-rows.ts';

export interface PublishedState { detail: HuntDetailContent; entries: LeaderboardEntry[] }

export function applyChanges(
  hunt: HuntRow, published: PublishedState, changes: ChangeRow[], players: ChangedPlayerRow[], playerCount: number,
): HuntDocuments {
  const changed = new Map(players.map((p) => [p.player_id, p]));
  const finds = new Map(players.map((p) => [p.player_id, JSON.parse(p.finds) as FindTuple[]]));

  // Standings: everyone unchanged keeps their published entry; changed players are re-read.
  const unranked = published.entries.filter((e) => !changed.has(e.playerId));
  for (const p of players) {
    if (p.hidden || p.points === null || p.last_event_at === null || finds.get(p.player_id)!.length === 0) continue;
    unranked.push({
      rank: 0, playerId: p.player_id, handle: p.handle, points: p.points,
      cluesFound: finds.get(p.player_id)!.length, lastFindAt: p.last_event_at.toISOString(),
    });
  }
  const entries = rank(unranked.sort(compareStandings));

  // Clue statistics: each change is one new find, applied once (its row is consumed by this publish).
  const clues = new Map<string, ClueView>(published.detail.clues.map((c) => [c.id, { ...c }]));
  for (const change of changes) {
    const player = changed.get(change.player_id);
    if (!change.clue_id || !player || player.hidden) continue;
    const find = finds.get(change.player_id)!.find(([clueId]) => clueId === change.clue_id);
    const clue = clues.get(change.clue_id);
    if (!find || !clue) continue;
    const candidate: FirstFinder = { playerId: player.player_id, handle: player.handle, foundAt: new Date(find[1]).toISOString() };
    clues.set(clue.id, {
      ...clue,
      solveCount: clue.solveCount + 1,
      firstFinder: !clue.firstFinder || compareFirstFinders(candidate, clue.firstFinder) < 0 ? candidate : clue.firstFinder,
    });
  }

  const rankedPoints = new Map(entries.map((e) => [e.playerId, e.points]));
  return {
    detail: detailDraft(hunt, {
      clueCount: published.detail.clueCount,
      playerCount,
      findCount: entries.reduce((sum, e) => sum + e.cluesFound, 0),
    }, published.detail.clues.map((c) => clues.get(c.id)!)),
    board: changedPages(boardDrafts(hunt.slug, entries), entries, published.entries),
    progress: players
      // A hidden player's progress stays withdrawn (the full path that hid them withdrew it).
      .filter((p) => !p.hidden && finds.get(p.player_id)!.length > 0)
      .map((p) => progressDraft(hunt.slug, p, finds.get(p.player_id)!, rankedPoints.get(p.player_id))),
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

// Handles are ASCII (the players table checks it), so UTF-16 order is byte order, as `collate "C"`.
// Timestamps are ISO strings of one fixed format, so string order is time order.
function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareStandings(a: LeaderboardEntry, b: LeaderboardEntry): number {
  return b.points - a.points || byBytes(a.lastFindAt, b.lastFindAt) || byBytes(a.handle, b.handle) || byBytes(a.playerId, b.playerId);
}

function compareFirstFinders(a: FirstFinder, b: FirstFinder): number {
  return byBytes(a.foundAt, b.foundAt) || byBytes(a.handle, b.handle) || byBytes(a.playerId, b.playerId);
}

/** rank() semantics: equal points and equal latest event share a rank (1-2-2-4). Reuses unchanged entries. */
function rank(sorted: LeaderboardEntry[]): LeaderboardEntry[] {
  let current = 0;
  return sorted.map((e, i) => {
    const prev = sorted[i - 1];
    if (!prev || prev.points !== e.points || prev.lastFindAt !== e.lastFindAt) current = i + 1;
    return e.rank === current ? e : { ...e, rank: current };
  });
}
