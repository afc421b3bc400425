// The organisers' live leaderboard: the standings as the ledger has them now, frozen or not, in
// the public leaderboard's shape. Admin reads are rare: computed per request with the one ranking
// definition (sql/functions/standings_until.sql), never served to the public.
import type { Pool } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';
import { entryOf, type HuntMode, type LeaderboardEntry } from '../core/documents.ts';
import { notFound } from './api-error.ts';

export async function liveLeaderboard(pool: Pool, slug: string, paging: { limit: number; offset: number }) {
  const hunt = await maybeOne<{ id: string; mode: HuntMode; total: number; now: Date }>(pool,
    `select h.id, h.mode, (select count(*)::integer from standings_until(h.id, 'infinity')) as total, now()
       from hunts h where h.slug = $1`, [slug]);
  if (!hunt) throw notFound('hunt');
  const rows = await many<{ competitor_id: string; name: string; points: number; clues_found: number; last_find_at: Date; rank: number; members: number }>(pool,
    `select s.competitor_id, s.name, s.points, s.clues_found, s.last_find_at, s.rank,
            (select count(*)::integer from team_members tm where tm.hunt_id = $1 and tm.team_id = s.competitor_id) as members
       from standings_until($1, 'infinity') s
      order by s.position limit $2 offset $3`, [hunt.id, paging.limit, paging.offset]);
  const entries: LeaderboardEntry[] = rows.map((r) => entryOf(hunt.mode, {
    id: r.competitor_id, name: r.name, rank: r.rank, points: r.points, cluesFound: r.clues_found,
    lastFindAt: r.last_find_at.toISOString(), memberCount: r.members,
  }));
  // Live: this document is never frozen, whatever the public one shows. Version 0: it is not a published document.
  return { hunt: slug, entries, total: hunt.total, frozen: false, frozenAt: null, version: 0, generatedAt: hunt.now.toISOString() };
}
