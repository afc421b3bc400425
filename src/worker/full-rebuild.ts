// Full rebuild, the safety net: refresh the materialized views concurrently (readers of them are
// never blocked), then republish every hunt from them, one transaction per hunt.
import type { Pool } from '../core/db.ts';
import { many, maybeOne, one } from '../core/db.ts';
import { buildHuntDocuments } from './document-builder.ts';
import { beginPublish, notifyReaders, publishHunt, publishHuntsIndex } from './publisher.ts';
import { loadHunt, loadHuntRows } from './read-model-rows.ts';
import { inSnapshot, inTransaction, withHuntLock } from './hunt-lock.ts';

const MATERIALIZED_VIEWS = ['mv_hunt_standings', 'mv_hunt_clue_stats', 'mv_hunt_summaries'] as const;

export interface FullRebuildOutcome {
  hunts: number;
  published: number;
  /** Hunts left to their per-hunt refresh because they changed after the views were taken. */
  skipped: number;
  documentsChanged: number;
  viewRefreshMs: number;
  durationMs: number;
}

export async function fullRebuild(pool: Pool): Promise<FullRebuildOutcome> {
  const started = performance.now();
  // What was dirty, and when, before the views are taken. A hunt whose generation moves after this
  // point, or that a per-hunt refresh publishes after it, has newer data than the views: skip it.
  const before = await one<{ at: Date; dirty: Record<string, number> | null }>(pool,
    `select clock_timestamp() as at,
            (select jsonb_object_agg(hunt_id, generation) from dirty_hunts) as dirty`);
  const dirtyBefore = before.dirty ?? {};

  for (const view of MATERIALIZED_VIEWS) await pool.query(`refresh materialized view concurrently ${view}`);
  const viewRefreshMs = performance.now() - started;

  const hunts = await many<{ id: string }>(pool, 'select id from hunts order by created_at');
  let published = 0;
  let skipped = 0;
  let documentsChanged = 0;
  for (const { id } of hunts) {
    const outcome = await withHuntLock(pool, id, async (client) => {
      const { hunt, rows } = await inSnapshot(client, async () => {
        const hunt = await loadHunt(client, id);
        return { hunt, rows: hunt && hunt.status !== 'draft' ? await loadHuntRows(client, hunt, 'materialized') : null };
      });
      if (!hunt) return 'skipped' as const;
      return inTransaction(client, async () => {
        const seq = await beginPublish(client);
        const state = await maybeOne<{ generation: number | null; published_at: Date | null }>(client,
          `select (select generation from dirty_hunts where hunt_id = $1) as generation,
                  (select published_at from hunt_publications where hunt_id = $1) as published_at`, [id]);
        const generationNow = state?.generation ?? null;
        const generationBefore = dirtyBefore[id] ?? null;
        // Unchanged generation: nothing was written to this hunt since before the views were taken,
        // so the views and the finds read above agree. Otherwise its per-hunt refresh owns it.
        if (generationNow !== generationBefore || (state?.published_at && state.published_at > before.at)) {
          return 'skipped' as const;
        }
        const docs = rows ? buildHuntDocuments(rows) : null;
        const result = await publishHunt(client, seq, hunt, docs, {
          clueCount: rows?.summary.clue_count ?? 0, playerCount: rows?.summary.player_count ?? 0,
        });
        // The index in the same transaction, so it never disagrees with the hunt's own documents.
        result.changed += (await publishHuntsIndex(client, seq)).changed;
        if (generationNow !== null) {
          await client.query('delete from dirty_hunts where hunt_id = $1 and generation = $2', [id, generationNow]);
        }
        if (result.changed > 0) {
          await notifyReaders(client, { seq, hunt: hunt.slug, changed: result.changed, refreshMs: performance.now() - started });
        }
        return result.changed;
      });
    });
    if (outcome === 'skipped') skipped++;
    else { published++; documentsChanged += outcome; }
  }

  return { hunts: hunts.length, published, skipped, documentsChanged, viewRefreshMs, durationMs: performance.now() - started };
}
