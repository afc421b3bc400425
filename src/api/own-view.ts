// A player's own view of a hunt (GET /v1/me/hunts/:slug), assembled in memory from documents the
// worker keeps: the hunt's private clue book, the competitor's public document (its finds) and its
// private state (hints held, points, a team's join code), and the leaderboard for the rank. Unlock
// rules are evaluated here, against this process's clock, so a time rule opens without a publish.
// Nothing here is served publicly: locked clues' texts and hint texts leave only in this view.
import { createHash } from 'node:crypto';
import {
  docKeys, type BookClue, type ClueBook, type HuntMode, type OwnContent, type ProgressContent, type TeamContent, type Timestamp,
} from '../core/documents.ts';
import { notFound } from './api-error.ts';
import type { Player } from './player-directory.ts';
import { rankOf } from './served-board.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export type ClueState = 'locked' | 'open' | 'found';

export interface OwnClue {
  id: string; position: number; points: number; state: ClueState;
  title: string | null; body: string | null; foundAt: Timestamp | null;
  hints: { n: number; cost: number; text: string | null }[];
}

export interface OwnView {
  hunt: string;
  mode: HuntMode;
  competitor: { type: 'player' | 'team'; id: string; name: string; joinCode: string | null } | null;
  points: number;
  rank: number | null;
  cluesFound: number;
  clues: OwnClue[];
}

/** The parsed clue book of each hunt, kept per document version (parsed once, not per read). */
const books = new WeakMap<object, ClueBook>();

function bookOf(store: SnapshotStore, slug: string): ClueBook {
  const doc = store.documents.get(docKeys.book(slug));
  if (!doc) throw notFound('hunt');
  let book = books.get(doc);
  if (!book) {
    book = JSON.parse(doc.body.toString('utf8')) as ClueBook;
    books.set(doc, book);
  }
  return book;
}

/** Whether every condition of a clue holds for a competitor with these finds, now. */
function unlocked(clue: BookClue, found: Map<string, Timestamp>, unlockFrom: Timestamp | null, now: number): boolean {
  const rule = clue.unlock;
  if (!rule) return true;
  if (!rule.afterClues.every((id) => found.has(id))) return false;
  if (rule.afterFinds !== null && found.size < rule.afterFinds) return false;
  if (rule.afterMinutes !== null && (unlockFrom === null || now < Date.parse(unlockFrom) + rule.afterMinutes * 60_000)) return false;
  return true;
}

export async function ownView(store: SnapshotStore, player: Player, slug: string): Promise<{ view: OwnView; etag: string }> {
  const mode = store.huntMode(slug);
  if (!mode) throw notFound('hunt');
  const book = bookOf(store, slug);
  const board = store.boards.get(docKeys.leaderboard(slug));
  const competitorId = mode === 'team' ? store.teamOf(slug, player.id) : player.id;

  const found = new Map<string, Timestamp>();
  let competitor: OwnView['competitor'] = null;
  let points = 0;
  let hints = new Set<string>();
  if (competitorId !== undefined) {
    const own = await held(store, docKeys.own(slug, competitorId)) as OwnContent | undefined;
    // A team not yet published (just created) is named from the membership notice.
    let name = mode === 'team' ? store.pendingTeamName(slug, player.id) ?? '' : player.handle;
    // The ledger's points as published (the private state's when there is one: it counts hint
    // costs), plus finds heard of since.
    let publicPoints = 0;
    let unpublishedPoints = 0;
    const publicKey = mode === 'team' ? docKeys.team(slug, competitorId) : docKeys.progress(slug, competitorId);
    if (mode === 'team') {
      const team = store.documents.get(publicKey);
      const content = team ? JSON.parse(team.body.toString('utf8')) as TeamContent : undefined;
      if (content) {
        name = content.name;
        publicPoints = content.points;
        for (const f of content.finds) found.set(f.clueId, f.foundAt);
      }
    } else {
      const progress = await held(store, publicKey) as ProgressContent | undefined;
      if (progress) publicPoints = progress.points;
      for (const f of progress?.finds ?? []) found.set(f.clueId, f.foundAt);
    }
    // Read-your-writes: finds and hints this process heard of before their publish.
    for (const f of store.unpublished.get(publicKey) ?? []) {
      if (found.has(f.clueId)) continue;
      found.set(f.clueId, f.foundAt);
      unpublishedPoints += f.points;
    }
    hints = new Set((own?.hints ?? []).map(([clueId, n]) => `${clueId}:${n}`));
    for (const h of store.unpublishedHints.get(docKeys.own(slug, competitorId)) ?? []) {
      if (hints.has(`${h.clueId}:${h.n}`)) continue;
      hints.add(`${h.clueId}:${h.n}`);
      unpublishedPoints -= h.cost;
    }
    points = (own ? own.points : publicPoints) + unpublishedPoints;
    competitor = { type: mode === 'team' ? 'team' : 'player', id: competitorId, name, joinCode: own?.joinCode ?? null };
  }

  const now = Date.now();
  const clues: OwnClue[] = book.clues.map((clue) => {
    const foundAt = found.get(clue.id) ?? null;
    // Without a competitor (a player in no team of a team hunt) only clues without conditions open.
    const state: ClueState = foundAt ? 'found' : (competitor ? unlocked(clue, found, book.unlockFrom, now) : !clue.unlock) ? 'open' : 'locked';
    return {
      id: clue.id, position: clue.position, points: clue.points, state,
      title: state === 'locked' ? null : clue.title, body: state === 'locked' ? null : clue.body, foundAt,
      hints: clue.hints.map((h) => ({ n: h.n, cost: h.cost, text: hints.has(`${clue.id}:${h.n}`) ? h.text : null })),
    };
  });
  const view: OwnView = {
    hunt: slug, mode, competitor, points,
    rank: competitorId !== undefined && board ? rankOf(board, competitorId) : null,
    cluesFound: found.size, clues,
  };
  const etag = `"own.${createHash('sha1').update(JSON.stringify(view)).digest('base64url').slice(0, 16)}"`;
  return { view, etag };
}

/** A competitor's document held like progress (fetched once when not held), parsed; undefined when there is none. */
async function held(store: SnapshotStore, key: string): Promise<object | undefined> {
  const doc = store.progress.get(key) ?? await store.progress.fetch(key);
  return doc.body === null ? undefined : JSON.parse(doc.body.toString('utf8')) as object;
}
