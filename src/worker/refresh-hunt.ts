// Per-hunt refresh: recompute one hunt's documents from the live views and publish them, in one
// transaction. Cost is proportional to the hunt, not to the whole database.
import type { Pool } from '../core/db.ts';
import { maybeOne, withTransaction } from '../core/db.ts';
import { buildHuntDocuments } from './document-builder.ts';
import { beginPublish, notifyReaders, publishHunt, publishHuntsIndex } from './publisher.ts';
import { loadHunt, loadHuntRows } from './read-model-rows.ts';

/** Advisory lock class of "refreshing hunt X" (second key: hashtext of the hunt id). */
export const HUNT_LOCK_CLASS = 0x7468_6503;

export interface RefreshOutcome {
  huntId: string;
  slug: string | null;
  /** false when the hunt no longer exists or a newer publish made this one pointless. */
  published: boolean;
  documentsChanged: number;
  durationMs: number;
}

export async function refreshHunt(pool: Pool, huntId: string): Promise<RefreshOutcome> {
  const started = performance.now();
  return withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId]);
    // Read the generation first: a change committed after this point bumps it, and the hunt
    // stays dirty for the next refresh even though this one may already include the change.
    const dirty = await maybeOne<{ generation: number }>(tx,
      'select generation from dirty_hunts where hunt_id = $1', [huntId]);
    const hunt = await loadHunt(tx, huntId);
    if (!hunt) return { huntId, slug: null, published: false, documentsChanged: 0, durationMs: performance.now() - started };

    const rows = hunt.status === 'draft' ? null : await loadHuntRows(tx, hunt, 'live');
    const docs = rows ? buildHuntDocuments(rows) : null;
    const seq = await beginPublish(tx);
    const result = await publishHunt(tx, seq, hunt.id, hunt.slug, docs, {
      clueCount: rows?.summary.clue_count ?? 0, playerCount: rows?.summary.player_count ?? 0,
    });
    const index = await publishHuntsIndex(tx, seq);
    if (dirty) {
      await tx.query('delete from dirty_hunts where hunt_id = $1 and generation = $2', [huntId, dirty.generation]);
    }
    const changed = result.changed + index.changed;
    const durationMs = performance.now() - started;
    if (changed > 0) await notifyReaders(tx, { seq, hunt: hunt.slug, changed, refreshMs: durationMs });
    return { huntId, slug: hunt.slug, published: true, documentsChanged: changed, durationMs };
  });
}
