// Per-hunt refresh: recompute one hunt's documents from the live views and publish them. Cost is
// proportional to the hunt, not to the whole database.
import type { Pool } from '../core/db.ts';
import { maybeOne } from '../core/db.ts';
import { buildHuntDocuments } from './document-builder.ts';
import { inSnapshot, inTransaction, withHuntLock } from './hunt-lock.ts';
import { beginPublish, notifyReaders, publishHunt, publishHuntsIndex } from './publisher.ts';
import { loadHunt, loadHuntRows } from './read-model-rows.ts';

export interface RefreshOutcome {
  huntId: string;
  slug: string | null;
  /** false when the hunt no longer exists. */
  published: boolean;
  documentsChanged: number;
  durationMs: number;
}

export async function refreshHunt(pool: Pool, huntId: string): Promise<RefreshOutcome> {
  const started = performance.now();
  return withHuntLock(pool, huntId, async (client) => {
    // One snapshot for every read, so the documents agree with each other. The generation is read
    // in it too: a change committed after the snapshot bumps it, and the hunt stays dirty.
    const read = await inSnapshot(client, async () => {
      // now() is the snapshot's start: every change committed before it is in what we read.
      const dirty = await maybeOne<{ generation: number; since_ms: number; snapshot_at: Date }>(client,
        `select generation, (extract(epoch from dirty_since) * 1000)::int8 as since_ms, now() as snapshot_at
           from dirty_hunts where hunt_id = $1`, [huntId]);
      const hunt = await loadHunt(client, huntId);
      const rows = hunt && hunt.status !== 'draft' ? await loadHuntRows(client, hunt) : null;
      return { dirty, hunt, rows };
    });
    const { dirty, hunt, rows } = read;
    if (!hunt) return { huntId, slug: null, published: false, documentsChanged: 0, durationMs: performance.now() - started };
    const docs = rows ? buildHuntDocuments(rows) : null;

    return inTransaction(client, async () => {
      const seq = await beginPublish(client);
      const result = await publishHunt(client, seq, hunt, docs, {
        clueCount: rows?.summary.clue_count ?? 0, playerCount: rows?.summary.player_count ?? 0,
      });
      const index = await publishHuntsIndex(client, seq);
      if (dirty) {
        const { rowCount } = await client.query('delete from dirty_hunts where hunt_id = $1 and generation = $2', [huntId, dirty.generation]);
        // Changed again meanwhile: the hunt stays dirty, but only for what came after our snapshot
        // (otherwise a busy hunt's dirty_since would never move and staleness would read forever-growing).
        if (rowCount === 0) {
          await client.query('update dirty_hunts set dirty_since = greatest(dirty_since, $2) where hunt_id = $1', [huntId, dirty.snapshot_at]);
        }
      }
      const changed = result.changed + index.changed;
      const durationMs = performance.now() - started;
      if (changed > 0) {
        await notifyReaders(client, { seq, hunt: hunt.slug, changed, refreshMs: durationMs, oldestChangeAt: dirty?.since_ms ?? null });
      }
      return { huntId, slug: hunt.slug, published: true, documentsChanged: changed, durationMs };
    });
  });
}
