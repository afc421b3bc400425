// Hiding a competitor (a player in a solo hunt, a team in a team hunt) from public reads, and
// showing it again. Only visibility changes: its finds, score events (bonuses included) and private
// state stay, so its own view keeps working and unhiding restores everything.
import type { Pool } from '../core/db.ts';
import { maybeOne, withTransaction } from '../core/db.ts';
import { markHuntDirty } from '../core/dirty.ts';
import { notFound } from './api-error.ts';
import { ADMIN_LOCK } from './hunt-admin.ts';

export async function setCompetitorHidden(pool: Pool, slug: string, competitorId: string, hidden: boolean) {
  return withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<{ id: string }>(tx, 'select id from hunts where slug = $1', [slug]);
    if (!hunt) throw notFound('hunt');
    // No key update: answers hold key-share locks on their competitor's row (the foreign keys of
    // finds and score events), which this does not wait for. Two organisers at once: one waits.
    const competitor = await maybeOne<{ hunt_id: string; hidden: boolean }>(tx,
      'select hunt_id, hidden from competitors where hunt_id = $1 and competitor_id = $2 for no key update',
      [hunt.id, competitorId]);
    if (!competitor) throw notFound('competitor');
    if (competitor.hidden !== hidden) {
      await tx.query('update competitors set hidden = $3 where hunt_id = $1 and competitor_id = $2', [competitor.hunt_id, competitorId, hidden]);
      // The full path, not a change row: the incremental one only re-ranks the competitors it reads,
      // while hiding also moves every clue's solveCount and firstFinder, the hunt's counts, and
      // withdraws (or restores) the competitor's public document.
      await markHuntDirty(tx, competitor.hunt_id);
    }
    return { competitorId, hidden };
  }, ADMIN_LOCK);
}
