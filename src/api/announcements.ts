// Organisers talking to players: announcements, shown in the hunt document (newest first) and in
// its activity feed. Each one marks the hunt dirty, so the next refresh republishes both.
import type { z } from 'zod';
import type { Pool } from '../core/db.ts';
import { maybeOne, one, withTransaction } from '../core/db.ts';
import { markHuntDirty } from '../core/dirty.ts';
import { toTimestamp } from '../core/documents.ts';
import { ApiError, notFound } from './api-error.ts';
import { ADMIN_LOCK } from './hunt-admin.ts';
import type { announcementBody } from './request-schemas.ts';

export async function announce(pool: Pool, slug: string, body: z.output<typeof announcementBody>): Promise<{ id: string; at: string }> {
  return withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<{ id: string }>(tx, 'select id from hunts where slug = $1 for key share', [slug]);
    if (!hunt) throw notFound('hunt');
    if (body.clueId !== undefined) {
      const clue = await maybeOne(tx, 'select 1 from clues where id = $1 and hunt_id = $2', [body.clueId, hunt.id]);
      if (!clue) throw new ApiError(400, 'invalid_body', 'clueId: no such clue in this hunt');
    }
    const created = await one<{ id: string; at: Date }>(tx,
      'insert into announcements (hunt_id, clue_id, text) values ($1, $2, $3) returning id, at', [hunt.id, body.clueId ?? null, body.text]);
    await markHuntDirty(tx, hunt.id);
    return { id: created.id, at: toTimestamp(created.at)! };
  }, ADMIN_LOCK);
}

export async function withdrawAnnouncement(pool: Pool, slug: string, id: string): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const deleted = await maybeOne<{ hunt_id: string }>(tx,
      `delete from announcements a using hunts h where h.id = a.hunt_id and h.slug = $1 and a.id = $2 returning a.hunt_id`, [slug, id]);
    if (!deleted) {
      const hunt = await maybeOne(tx, 'select 1 from hunts where slug = $1', [slug]);
      throw notFound(hunt ? 'announcement' : 'hunt');
    }
    await markHuntDirty(tx, deleted.hunt_id);
  }, ADMIN_LOCK);
}
