// Refreshing one hunt. Incremental when it can be: only the competitors changed since the last
// publish are read, and only the documents they touch are rewritten (their progress, the pages of
// the leaderboard they moved across, the hunt detail). Full when it must be: the hunt was edited,
// has never been published in this format, or a full rebuild asked for it. Either way the reads
// share one snapshot and the publish is one transaction.
import type { Client, Pool } from '../core/db.ts';
import { maybeOne } from '../core/db.ts';
import { summarizeAnswerTimes } from '../core/channels.ts';
import { buildHuntDocuments, type HuntDocuments } from './document-builder.ts';
import { inSnapshot, inTransaction, withFreeHuntLocks, withHuntLock } from './hunt-lock.ts';
import { applyChanges, type PublishedState } from './incremental-update.ts';
import {
  draftPublish, notifyReaders, prepareHuntPublish, prepareHuntsIndex, publishIncremental, writePublish, type IncrementalPublish,
} from './publisher.ts';
import type { CachedState, PublishedStateCache } from './published-state-cache.ts';
import {
  countVisiblePlayers, loadChangedCompetitors, loadChanges, loadHunt, loadHuntRows, loadIncrementalInputs, loadPublishedState,
  loadPublishedVersions, type ChangeRow, type HuntRow,
} from './read-model-rows.ts';
import { docKeys } from '../core/documents.ts';

/** 'busy': not run, another worker is refreshing the hunt (refreshHunts only: it does not wait). */
export type RefreshPath = 'full' | 'incremental' | 'none' | 'busy';

const MAX_INCREMENTAL_CHANGES = 5000;

/**
 * Hunts refreshHunts takes at once: bounded so that the batch's publish notice (a slug per hunt
 * beside up to 200 answer times) stays under NOTIFY's 8000 bytes.
 */
export const MAX_BATCH = 32;

export interface RefreshOutcome {
  huntId: string;
  slug: string | null;
  /** Which path ran; 'none' when there was nothing to publish (the hunt is gone or unchanged). */
  path: RefreshPath;
  documentsChanged: number;
  /** Player changes this refresh published. */
  changesPublished: number;
  /** What the hunts index shows of this hunt changed, and the index was not republished with it. */
  indexStale: boolean;
  durationMs: number;
}

export interface RefreshOptions {
  /** Take the full path whatever changed (admin requests, the full rebuild). */
  full?: boolean;
  /** The worker's memory of what it last published (optional: without it, the pages are read). */
  cache?: PublishedStateCache;
}

/** One hunt's part of refreshHunts: its outcome, or the error that failed its refresh. */
export type HuntRefresh = { huntId: string; outcome: RefreshOutcome } | { huntId: string; error: unknown };

/** Refreshes one hunt, waiting for another worker's refresh of it to end first (admin requests, tests). */
export async function refreshHunt(pool: Pool, huntId: string, opts: RefreshOptions = {}): Promise<RefreshOutcome> {
  const started = performance.now();
  return withHuntLock(pool, huntId, async (client) => {
    const remembered = opts.full ? undefined : opts.cache?.peek(huntId);
    const fast = remembered && (await refreshFromMemory(client, [{ huntId, remembered }], opts.cache!, started)).get(huntId);
    return fast ?? refreshHeld(client, huntId, opts, started);
  });
}

/**
 * Refreshes up to MAX_BATCH hunts on one connection, skipping (path 'busy') those another worker
 * is refreshing. Those the worker remembers go through the fast path together: one read, one
 * publish, one commit and one notice for them all, so the database's cost per refresh falls as
 * the load rises and batches grow. The others take the general path one by one. Throws when the
 * batch as a whole failed; a hunt's own failure on the general path is its entry's error.
 */
export async function refreshHunts(pool: Pool, huntIds: string[], cache: PublishedStateCache): Promise<HuntRefresh[]> {
  if (huntIds.length > MAX_BATCH) throw new Error(`at most ${MAX_BATCH} hunts per batch, got ${huntIds.length}`);
  const started = performance.now();
  return withFreeHuntLocks(pool, huntIds, async (client, held) => {
    const remembered = held.flatMap((huntId) => {
      const state = cache.peek(huntId);
      return state ? [{ huntId, remembered: state }] : [];
    });
    const fast = await refreshFromMemory(client, remembered, cache, started);
    const results: HuntRefresh[] = [];
    for (const huntId of huntIds) {
      if (!held.includes(huntId)) {
        results.push({ huntId, outcome: { huntId, slug: null, path: 'busy', documentsChanged: 0, changesPublished: 0, indexStale: false, durationMs: performance.now() - started } });
        continue;
      }
      try {
        results.push({ huntId, outcome: fast.get(huntId) ?? await refreshHeld(client, huntId, { cache }, started) });
      } catch (error) {
        results.push({ huntId, error });
      }
    }
    return results;
  });
}

/** The general path, under the hunt's lock: reads in one snapshot, publishes in one transaction. */
async function refreshHeld(client: Client, huntId: string, opts: RefreshOptions, started: number): Promise<RefreshOutcome> {
  // One snapshot for every read: the documents agree with each other, and the change rows read
  // here are exactly the ones the documents include. A change committed after it stays for the
  // next refresh; a dirty mark made after it bumps the generation and keeps the hunt dirty.
  const read = await inSnapshot(client, async () => {
    const dirty = await maybeOne<{ generation: number; snapshot_at: Date }>(client,
      'select generation, now() as snapshot_at from dirty_hunts where hunt_id = $1', [huntId]);
    const hunt = await loadHunt(client, huntId);
    if (!hunt) return undefined;
    const changes = await loadChanges(client, huntId);
    if (hunt.status === 'draft') return { dirty, hunt, changes, docs: null, versions: undefined, path: 'full' as const };
    const versions = await loadPublishedVersions(client, hunt);
    // A backlog this large (a worker that was down for long) is cheaper to rebuild than to apply.
    if (!dirty && !opts.full && changes.length <= MAX_INCREMENTAL_CHANGES) {
      if (changes.length === 0) return { dirty, hunt, changes, docs: null, versions, path: 'none' as const };
      const published = opts.cache?.get(huntId, versions) ?? await loadPublishedState(client, hunt);
      if (published && !momentPassed(hunt, published)) {
        const competitors = await loadChangedCompetitors(client, huntId, [...new Set(changes.map((c) => c.competitor_id))]);
        if (!movesHiddenTeam(hunt, changes, competitors)) {
          const docs = applyChanges(hunt, published, changes, competitors, await countVisiblePlayers(client, huntId));
          return { dirty, hunt, changes, docs, versions, path: 'incremental' as const };
        }
      }
    }
    const docs: HuntDocuments = buildHuntDocuments(await loadHuntRows(client, hunt));
    return { dirty, hunt, changes, docs, versions, path: 'full' as const };
  });
  const done = (path: RefreshPath, slug: string | null, documentsChanged = 0, changesPublished = 0, indexStale = false): RefreshOutcome =>
    ({ huntId, slug, path, documentsChanged, changesPublished, indexStale, durationMs: performance.now() - started });
  if (!read) return done('none', null);
  const { dirty, hunt, changes, docs, versions, path } = read;
  if (path === 'none') return done('none', hunt.slug);

  const committed = await inTransaction(client, async () => {
    // Everything but the writes first: the publish lock (one publish at a time, everywhere) is
    // held only for the one writing statement and the commit.
    const prepared = await prepareHuntPublish(client, hunt, docs, path === 'incremental' ? 'drafted' : 'all');
    await consume(client, huntId, changes, dirty);
    // The full path republishes the index at once (a diff by hash: unchanged, it writes nothing;
    // it also repairs a lost index). The incremental path leaves it to HuntsIndexPublisher, and so
    // does this one if another publish replaced the index since it was read here.
    const preparedIndex = path === 'full' ? await prepareHuntsIndex(client) : undefined;
    const result = await writePublish(client, prepared, preparedIndex);
    const { seq, changed } = result;
    const answered = changes.filter((c) => c.clue_id !== null).map((c) => c.recorded_at.getTime());
    const notice = changed === 0 ? undefined
      : { seq, hunts: [hunt.slug], changed, refreshMs: performance.now() - started, answers: summarizeAnswerTimes(answered) };
    const indexStale = preparedIndex ? preparedIndex.writes.length > 0 && !result.indexWritten : result.listingChanged;
    return { outcome: done(path, hunt.slug, changed, changes.length, indexStale), versions: result.versions, notice };
  });
  if (committed.notice) await notifyReaders(client, committed.notice);
  // Committed: remember what is now published, at the versions it was published as.
  if (opts.cache && docs && versions) {
    opts.cache.set(huntId, {
      detailVersion: committed.versions.get(docKeys.hunt(hunt.slug)) ?? versions.detail,
      headVersion: committed.versions.get(docKeys.leaderboard(hunt.slug)) ?? versions.head,
      state: { detail: docs.detail.content, entries: docs.entries, feed: docs.feed.content.entries },
    });
  } else {
    opts.cache?.forget(huntId);
  }
  return committed.outcome;
}

/**
 * The common case, in three round trips for any number of hunts: one read (loadIncrementalInputs),
 * one publishing statement (publishIncremental), one notice, and no pages read, since the worker
 * remembers what it last published. Hunts absent from the result need the general path: the
 * memory is out of date, or the hunt needs the full path.
 */
async function refreshFromMemory(
  client: Client, targets: { huntId: string; remembered: CachedState }[], cache: PublishedStateCache, started: number,
): Promise<Map<string, RefreshOutcome>> {
  const inputs = await loadIncrementalInputs(client, targets.map(({ huntId, remembered: { state } }) =>
    ({ huntId, slug: state.detail.slug, publishedTotal: state.entries.length })));
  const outcomes = new Map<string, RefreshOutcome>();
  const publishes: (IncrementalPublish & { changes: ChangeRow[]; versions: { detail: number; head: number } })[] = [];
  for (const [i, { huntId, remembered }] of targets.entries()) {
    const { hunt, changes, existing } = inputs[i]!;
    const { state } = remembered;
    if (!hunt || inputs[i]!.dirty || hunt.status === 'draft' || hunt.slug !== state.detail.slug || changes.length > MAX_INCREMENTAL_CHANGES) continue;
    if (movesHiddenTeam(hunt, changes, inputs[i]!.competitors) || momentPassed(hunt, state)) continue;
    const version = (key: string) => existing.find((e) => e.doc_key === key && e.alive)?.version ?? 0;
    const versions = { detail: version(docKeys.hunt(hunt.slug)), head: version(docKeys.leaderboard(hunt.slug)) };
    if (versions.detail !== remembered.detailVersion || versions.head !== remembered.headVersion) continue;
    if (changes.length === 0) {
      outcomes.set(huntId, outcome(hunt, 'none', 0, 0, false, started));
      continue;
    }
    const docs = applyChanges(hunt, state, changes, inputs[i]!.competitors, inputs[i]!.visiblePlayers);
    const { writes } = draftPublish(hunt.id, docs, existing, 'drafted');
    publishes.push({ hunt, docs, writes, changeIds: changes.map((c) => c.id), changes, versions });
  }
  if (publishes.length === 0) return outcomes;

  const answered = publishes.flatMap((p) => p.changes.filter((c) => c.clue_id !== null).map((c) => c.recorded_at.getTime()));
  const result = await publishIncremental(client, publishes, {
    hunts: publishes.map((p) => p.hunt.slug), refreshMs: performance.now() - started, answers: summarizeAnswerTimes(answered),
  });
  for (const { hunt, docs, writes, changes, versions } of publishes) {
    cache.set(hunt.id, {
      detailVersion: result.versions.get(docKeys.hunt(hunt.slug)) ?? versions.detail,
      headVersion: result.versions.get(docKeys.leaderboard(hunt.slug)) ?? versions.head,
      state: { detail: docs.detail.content, entries: docs.entries, feed: docs.feed.content.entries },
    });
    outcomes.set(hunt.id, outcome(hunt, 'incremental', writes.length, changes.length, result.listingsChanged.has(hunt.id), started));
  }
  return outcomes;
}

/**
 * The hunt started or froze (or thawed) since its last publish: every document changes, so only
 * the full path can publish it (the hunt clock marks it dirty then; this covers a refresh that
 * comes first).
 */
function momentPassed(hunt: HuntRow, published: PublishedState): boolean {
  return published.detail.frozen !== hunt.frozen || (published.detail.status === 'scheduled') !== hunt.scheduled;
}

/**
 * A change of a hidden team (a member joining or leaving it) moves the private roster of hidden
 * teams' members, which only the full path drafts; it is rare.
 */
function movesHiddenTeam(hunt: HuntRow, changes: ChangeRow[], competitors: { competitor_id: string; hidden: boolean }[]): boolean {
  if (hunt.mode !== 'team') return false;
  const hidden = new Set(competitors.filter((c) => c.hidden).map((c) => c.competitor_id));
  return changes.some((c) => c.kind === 'membership' && hidden.has(c.competitor_id));
}

function outcome(hunt: HuntRow, path: RefreshPath, documentsChanged: number, changesPublished: number, indexStale: boolean, started: number): RefreshOutcome {
  return { huntId: hunt.id, slug: hunt.slug, path, documentsChanged, changesPublished, indexStale, durationMs: performance.now() - started };
}

/** Marks what this publish included as done, in the publishing transaction. */
async function consume(
  client: Client, huntId: string, changes: ChangeRow[],
  dirty: { generation: number; snapshot_at: Date } | undefined,
): Promise<void> {
  // By id, not by a bound: a change with a smaller id may commit after our snapshot.
  if (changes.length > 0) await client.query('delete from read_model_changes where id = any($1::bigint[])', [changes.map((c) => c.id)]);
  if (!dirty) return;
  const { rowCount } = await client.query('delete from dirty_hunts where hunt_id = $1 and generation = $2', [huntId, dirty.generation]);
  // Marked again meanwhile: the hunt stays dirty, but only for what came after our snapshot
  // (otherwise a busy hunt's dirty_since would never move and its age would grow forever).
  if (rowCount === 0) {
    await client.query('update dirty_hunts set dirty_since = greatest(dirty_since, $2) where hunt_id = $1', [huntId, dirty.snapshot_at]);
  }
}
