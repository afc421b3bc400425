// Refreshing one hunt. Incremental when it can be: only the players changed since the last
// publish are read, and only the documents they touch are rewritten (their progress, the pages of
// the leaderboard they moved across, the hunt detail). Full when it must be: the hunt was edited,
// has never been published in this format, or a full rebuild asked for it. Either way the reads
// share one snapshot and the publish is one transaction.
import type { Client, Pool } from '../core/db.ts';
import { maybeOne } from '../core/db.ts';
import { summarizeAnswerTimes } from '../core/channels.ts';
import { buildHuntDocuments, type HuntDocuments } from './document-builder.ts';
import { HUNT_BUSY, inSnapshot, inTransaction, withHuntLock } from './hunt-lock.ts';
import { applyChanges } from './incremental-update.ts';
import {
  beginPublish, draftPublish, notifyReaders, prepareHuntPublish, prepareHuntsIndex, publishIncremental, writePublish,
} from './publisher.ts';
import type { CachedState, PublishedStateCache } from './published-state-cache.ts';
import {
  countVisiblePlayers, loadChangedPlayers, loadChanges, loadHunt, loadHuntRows, loadIncrementalInputs, loadPublishedState,
  loadPublishedVersions, type ChangeRow,
} from './read-model-rows.ts';
import { docKeys } from '../core/documents.ts';

/** 'busy': not run, another worker is refreshing the hunt (only when told not to wait). */
export type RefreshPath = 'full' | 'incremental' | 'none' | 'busy';

const MAX_INCREMENTAL_CHANGES = 5000;

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
  /** false: return path 'busy' at once when another worker holds the hunt, rather than wait for it. */
  wait?: boolean;
}

export async function refreshHunt(pool: Pool, huntId: string, opts: RefreshOptions = {}): Promise<RefreshOutcome> {
  const started = performance.now();
  const outcome = await withHuntLock(pool, huntId, async (client) => {
    const remembered = opts.full ? undefined : opts.cache?.peek(huntId);
    if (remembered) {
      const fast = await refreshFromMemory(client, huntId, remembered, opts.cache!, started);
      if (fast) return fast;
    }
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
        if (published) {
          const players = await loadChangedPlayers(client, huntId, [...new Set(changes.map((c) => c.player_id))]);
          const docs = applyChanges(hunt, published, changes, players, await countVisiblePlayers(client, huntId));
          return { dirty, hunt, changes, docs, versions, path: 'incremental' as const };
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
      // held only for the writes and the commit.
      const prepared = await prepareHuntPublish(client, hunt, docs, path === 'incremental' ? 'drafted' : 'all');
      await consume(client, huntId, changes, dirty);
      // The full path republishes the index at once (a diff by hash: unchanged, it writes nothing;
      // it also repairs a lost index). The incremental path leaves it to HuntsIndexPublisher.
      const preparedIndex = path === 'full' ? await prepareHuntsIndex(client) : undefined;
      const seq = await beginPublish(client);
      const result = await writePublish(client, seq, prepared);
      const index = preparedIndex && await writePublish(client, seq, preparedIndex);
      const changed = result.changed + (index?.changed ?? 0);
      const answered = changes.filter((c) => c.clue_id !== null).map((c) => c.recorded_at.getTime());
      const notice = changed === 0 ? undefined
        : { seq, hunt: hunt.slug, changed, refreshMs: performance.now() - started, answers: summarizeAnswerTimes(answered) };
      return { outcome: done(path, hunt.slug, changed, changes.length, !index && result.listingChanged), versions: result.versions, notice };
    });
    if (committed.notice) await notifyReaders(client, committed.notice);
    // Committed: remember what is now published, at the versions it was published as.
    if (opts.cache && docs && versions) {
      opts.cache.set(huntId, {
        detailVersion: committed.versions.get(docKeys.hunt(hunt.slug)) ?? versions.detail,
        headVersion: committed.versions.get(docKeys.leaderboard(hunt.slug)) ?? versions.head,
        state: { detail: docs.detail.content, entries: docs.entries },
      });
    } else {
      opts.cache?.forget(huntId);
    }
    return committed.outcome;
  }, { wait: opts.wait ?? true });
  if (outcome !== HUNT_BUSY) return outcome;
  return { huntId, slug: null, path: 'busy', documentsChanged: 0, changesPublished: 0, indexStale: false, durationMs: performance.now() - started };
}

/**
 * The common case, in three round trips: one read (loadIncrementalInputs), one publishing
 * statement (publishIncremental), and no pages read, since the worker remembers what it last
 * published. Undefined when that memory is out of date or the hunt needs the full path: the
 * caller then takes the general way.
 */
async function refreshFromMemory(
  client: Client, huntId: string, remembered: CachedState, cache: PublishedStateCache, started: number,
): Promise<RefreshOutcome | undefined> {
  const { state } = remembered;
  const input = await loadIncrementalInputs(client, huntId, state.detail.slug, state.entries.length);
  const { hunt, changes } = input;
  if (!hunt || input.dirty || hunt.status === 'draft' || hunt.slug !== state.detail.slug || changes.length > MAX_INCREMENTAL_CHANGES) return undefined;
  const version = (key: string) => input.existing.find((e) => e.doc_key === key && e.alive)?.version ?? 0;
  const detailVersion = version(docKeys.hunt(hunt.slug));
  const headVersion = version(docKeys.leaderboard(hunt.slug));
  if (detailVersion !== remembered.detailVersion || headVersion !== remembered.headVersion) return undefined;
  const outcome = (documentsChanged: number, indexStale: boolean): RefreshOutcome => ({
    huntId, slug: hunt.slug, path: changes.length === 0 ? 'none' : 'incremental', documentsChanged,
    changesPublished: changes.length, indexStale, durationMs: performance.now() - started,
  });
  if (changes.length === 0) return outcome(0, false);

  const docs = applyChanges(hunt, state, changes, input.players, input.visiblePlayers);
  const { writes } = draftPublish(hunt.id, docs, input.existing, 'drafted');
  const answered = changes.filter((c) => c.clue_id !== null).map((c) => c.recorded_at.getTime());
  const result = await publishIncremental(client, hunt, docs, writes, changes.map((c) => c.id), {
    hunt: hunt.slug, refreshMs: performance.now() - started, answers: summarizeAnswerTimes(answered),
  });
  cache.set(huntId, {
    detailVersion: result.versions.get(docKeys.hunt(hunt.slug)) ?? detailVersion,
    headVersion: result.versions.get(docKeys.leaderboard(hunt.slug)) ?? headVersion,
    state: { detail: docs.detail.content, entries: docs.entries },
  });
  return outcome(result.changed, result.listingChanged);
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
