// Organisers' awards and penalties: a score event of its own in the competitor's ledger, with its
// reason, and a change row so the next refresh re-ranks the competitor (adjustments never move the
// latest-find tie-break: standings take it from finds only).
import type { z } from 'zod';
import type { Pool } from '../core/db.ts';
import { maybeOne, one, withTransaction } from '../core/db.ts';
import { announceChanges } from '../core/dirty.ts';
import { notFound } from './api-error.ts';
import { ADMIN_LOCK } from './hunt-admin.ts';
import type { adjustmentBody } from './request-schemas.ts';

export async function adjust(pool: Pool, slug: string, body: z.output<typeof adjustmentBody>): Promise<{ id: string }> {
  const { id, huntId } = await withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<{ id: string }>(tx, 'select id from hunts where slug = $1 for key share', [slug]);
    if (!hunt) throw notFound('hunt');
    const competitor = await maybeOne(tx, 'select 1 from competitors where hunt_id = $1 and competitor_id = $2 for key share',
      [hunt.id, body.competitorId]);
    if (!competitor) throw notFound('competitor');
    const event = await one<{ id: string }>(tx,
      `insert into score_events (hunt_id, competitor_id, points, reason, note, occurred_at)
       values ($1, $2, $3, 'adjustment', $4, clock_timestamp()) returning id::text`,
      [hunt.id, body.competitorId, body.points, body.reason]);
    await tx.query(`insert into read_model_changes (hunt_id, competitor_id, kind, clue_id) values ($1, $2, 'adjustment', null)`,
      [hunt.id, body.competitorId]);
    return { id: event.id, huntId: hunt.id };
  }, ADMIN_LOCK);
  // After the commit, like an answer's: committed is committed (the sweep finds the change row if
  // this is lost), so a failure here must not tell the organiser to try again and award twice.
  await announceChanges(pool, [{ huntId }]).catch(() => undefined);
  return { id };
}
