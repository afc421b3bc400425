// A player's own view of a hunt (GET /v1/me/hunts/:slug), assembled in memory from documents the
// worker keeps: the hunt's private clue book, the competitor's public document (its finds) and its
// private state (hints held, points, a team's join code), and the leaderboard for the rank. Unlock
// rules are evaluated here, against this process's clock, so a time rule opens without a publish.
// Nothing here is served publicly: locked clues' texts and hint texts leave only in this view.
//
// A view is read far more often than it changes: it is kept serialized per player, without its
// rank, until one of the documents it was made from is replaced, this process hears of a find or
// hint not yet published, or a clue's time rule opens. The rank (it moves with every publish of
// the board) is spliced in per read, as the public progress route does.
import { createHash } from 'node:crypto';
import {
  docKeys, type Adjustment, type BookClue, type ClueBook, type HuntMode, type OwnContent, type ProgressContent, type TeamContent, type Timestamp,
} from '../core/documents.ts';
import { notFound } from './api-error.ts';
import type { Player } from './player-directory.ts';
import type { HeldProgress } from './progress-cache.ts';
import { rankOf } from './served-board.ts';
import type { ServedDocument } from './served-document.ts';
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
  cluesFound: number;
  /** Organisers' awards and penalties, as published. */
  adjustments: Adjustment[];
  clues: OwnClue[];
  /** The competitor's place on the board this process holds (null: unranked, or no competitor). */
  rank: number | null;
}

/** The view as sent, and its tag (from its bytes: equal views get equal tags in every process). */
export interface RenderedOwnView { body: Buffer; etag: string }

/**
 * Documents parsed once per version, not per read: keyed by the held document object, which a
 * publish replaces (so a new version is parsed once and the old one's parse goes with it).
 */
const parsed = new WeakMap<object, unknown>();

function parsedOf<T>(doc: ServedDocument): T {
  let content = parsed.get(doc);
  if (content === undefined) {
    content = JSON.parse(doc.body.toString('utf8'));
    parsed.set(doc, content);
  }
  return content as T;
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

/** What a view was made from: it stands while each is the same object (and list length) as then. */
type Inputs = readonly unknown[];

/** A view kept: its bytes up to the rank (without the closing brace), and their hash. */
interface Kept { inputs: Inputs; validUntil: number; competitorId: string | undefined; head: Buffer; hash: string }

/** The competitor's documents a view is made from, as held when it was made. */
interface Held { id: string; own: HeldProgress; progress: HeldProgress | undefined }

export class OwnViews {
  private readonly store: SnapshotStore;
  private readonly max: number;
  /** Serialized views without their rank, by hunt and player, least recently read first. */
  private readonly kept = new Map<string, Kept>();

  constructor(store: SnapshotStore, max: number) {
    this.store = store;
    this.max = max;
  }

  /**
   * The player's view of the hunt. Synchronous when the competitor's documents are held (the
   * common case); a promise when one must be read from the database first.
   */
  render(player: Player, slug: string): RenderedOwnView | Promise<RenderedOwnView> {
    const { store } = this;
    const mode = store.huntMode(slug);
    const bookDoc = store.documents.get(docKeys.book(slug));
    if (!mode || !bookDoc) throw notFound('hunt');
    // A hidden team's members still see it here (the roster), though the public sees no team.
    const competitorId = mode === 'team' ? store.teamOf(slug, player.id) ?? store.hiddenTeamOf(slug, player.id) : player.id;
    if (competitorId === undefined) return this.rendered(player, slug, mode, bookDoc, undefined);
    const ownKey = docKeys.own(slug, competitorId);
    // A solo player's finds are in their progress document, held like the private one; a team's
    // document is held with every team's.
    const progressKey = mode === 'solo' ? docKeys.progress(slug, competitorId) : undefined;
    const own = store.progress.get(ownKey);
    const progress = progressKey === undefined ? undefined : store.progress.get(progressKey);
    if (own !== undefined && (progressKey === undefined || progress !== undefined)) {
      return this.rendered(player, slug, mode, bookDoc, { id: competitorId, own, progress });
    }
    const fetchingProgress = progressKey === undefined ? undefined : progress ?? store.progress.fetch(progressKey);
    return Promise.all([own ?? store.progress.fetch(ownKey), fetchingProgress])
      .then(([fetchedOwn, fetchedProgress]) => this.rendered(player, slug, mode, bookDoc, { id: competitorId, own: fetchedOwn, progress: fetchedProgress }));
  }

  private rendered(player: Player, slug: string, mode: HuntMode, bookDoc: ServedDocument, held: Held | undefined): RenderedOwnView {
    const { store } = this;
    const id = held?.id;
    const publicKey = id === undefined ? undefined : mode === 'team' ? docKeys.team(slug, id) : docKeys.progress(slug, id);
    const unpublished = publicKey === undefined ? undefined : store.unpublished.get(publicKey);
    const hints = id === undefined ? undefined : store.unpublishedHints.get(docKeys.own(slug, id));
    const inputs: Inputs = [
      bookDoc, id, held?.own, mode === 'team' && publicKey ? store.documents.get(publicKey) : held?.progress,
      unpublished, unpublished?.length, hints, hints?.length, mode === 'team' ? store.pendingTeamName(slug, player.id) : player.handle,
    ];
    const key = `${slug}\n${player.id}`;
    const now = Date.now();
    let kept = this.kept.get(key);
    if (kept && now < kept.validUntil && kept.inputs.every((input, i) => input === inputs[i])) {
      this.kept.delete(key);
    } else {
      const { view, validUntil } = assemble(store, player, slug, mode, bookDoc, held, now);
      const json = JSON.stringify(view);
      kept = {
        inputs, validUntil, competitorId: id,
        head: Buffer.from(json.slice(0, -1)), hash: createHash('sha1').update(json).digest('base64url').slice(0, 16),
      };
    }
    this.kept.set(key, kept);
    if (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
    const board = store.boards.get(docKeys.leaderboard(slug));
    const rank = kept.competitorId !== undefined && board ? rankOf(board, kept.competitorId) : null;
    return { body: Buffer.concat([kept.head, Buffer.from(`,"rank":${rank}}`)]), etag: `"own.${kept.hash}.${rank ?? '-'}"` };
  }
}

/** The view without its rank, and until when it stands (the next moment a time rule opens a clue). */
function assemble(
  store: SnapshotStore, player: Player, slug: string, mode: HuntMode, bookDoc: ServedDocument, held: Held | undefined, now: number,
): { view: Omit<OwnView, 'rank'>; validUntil: number } {
  const book = parsedOf<ClueBook>(bookDoc);
  const found = new Map<string, Timestamp>();
  let competitor: OwnView['competitor'] = null;
  let points = 0;
  let hints = new Set<string>();
  let adjustments: Adjustment[] = [];
  if (held) {
    const competitorId = held.id;
    const own = held.own.body === null ? undefined : parsedOf<OwnContent>(held.own as ServedDocument);
    // A team not yet published (just created) is named from the membership notice.
    let name = own?.name ?? (mode === 'team' ? store.pendingTeamName(slug, player.id) ?? '' : player.handle);
    // The ledger's points as published (the private state's when there is one: it counts hint
    // costs), plus finds heard of since.
    let publicPoints = 0;
    let unpublishedPoints = 0;
    const publicKey = mode === 'team' ? docKeys.team(slug, competitorId) : docKeys.progress(slug, competitorId);
    if (mode === 'team') {
      const team = store.documents.get(publicKey);
      const content = team ? parsedOf<TeamContent>(team) : undefined;
      if (content) {
        name = content.name;
        publicPoints = content.points;
        adjustments = content.adjustments;
        for (const f of content.finds) found.set(f.clueId, f.foundAt);
      }
    } else {
      const progress = held.progress?.body ? parsedOf<ProgressContent>(held.progress as ServedDocument) : undefined;
      if (progress) {
        publicPoints = progress.points;
        adjustments = progress.adjustments;
      }
      for (const f of progress?.finds ?? []) found.set(f.clueId, f.foundAt);
    }
    // A hunt with a freezeAt: the public documents stop at the freeze, the private state does not.
    if (own?.finds) {
      found.clear();
      for (const [clueId, foundAt] of own.finds) found.set(clueId, foundAt);
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

  // Before the hunt starts no clue is shown, whatever the published documents say yet.
  const startsAt = book.startsAt === null ? null : Date.parse(book.startsAt);
  if (startsAt !== null && now < startsAt) {
    return { view: { hunt: slug, mode, competitor, points, cluesFound: found.size, adjustments, clues: [] }, validUntil: startsAt };
  }
  let validUntil = Infinity;
  const clues: OwnClue[] = book.clues.map((clue) => {
    const foundAt = found.get(clue.id) ?? null;
    // Without a competitor (a player in no team of a team hunt) only clues without conditions open.
    const state: ClueState = foundAt ? 'found' : (competitor ? unlocked(clue, found, book.unlockFrom, now) : !clue.unlock) ? 'open' : 'locked';
    const minutes = clue.unlock?.afterMinutes;
    if (state === 'locked' && competitor && minutes != null && book.unlockFrom !== null) {
      const opens = Date.parse(book.unlockFrom) + minutes * 60_000;
      if (opens > now) validUntil = Math.min(validUntil, opens);
    }
    return {
      id: clue.id, position: clue.position, points: clue.points, state,
      title: state === 'locked' ? null : clue.title, body: state === 'locked' ? null : clue.body, foundAt,
      hints: clue.hints.map((h) => ({ n: h.n, cost: h.cost, text: hints.has(`${clue.id}:${h.n}`) ? h.text : null })),
    };
  });
  return { view: { hunt: slug, mode, competitor, points, cluesFound: found.size, adjustments, clues }, validUntil };
}
