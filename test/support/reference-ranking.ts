// The ranking rules computed in plain TypeScript from the base tables, independent of the SQL
// views: what every served leaderboard and progress document must equal.
import type pg from 'pg';

export interface ReferenceEntry {
  rank: number; playerId: string; handle: string; points: number; cluesFound: number; lastFindAt: string;
}
export interface ReferenceProgress {
  playerId: string; handle: string; rank: number | null; points: number; cluesFound: number;
  finds: { clueId: string; foundAt: string; points: number }[];
}

export async function referenceRanking(db: pg.Pool | pg.Client, huntId: string) {
  const events = (await db.query<{ player_id: string; points: number; occurred_at: Date }>(
    'select player_id, points, occurred_at from score_events where hunt_id = $1', [huntId])).rows;
  const finds = (await db.query<{ player_id: string; clue_id: string; found_at: Date; points: number; position: number }>(
    `select f.player_id, f.clue_id, f.found_at, f.points, c.position
       from finds f join clues c on c.id = f.clue_id where f.hunt_id = $1`, [huntId])).rows;
  const participants = (await db.query<{ player_id: string; hidden: boolean; handle: string }>(
    `select hp.player_id, hp.hidden, p.handle from hunt_participants hp join players p on p.id = hp.player_id
      where hp.hunt_id = $1`, [huntId])).rows;

  const totals = new Map<string, { points: number; last: number }>();
  for (const e of events) {
    const t = totals.get(e.player_id) ?? { points: 0, last: 0 };
    t.points += e.points;
    t.last = Math.max(t.last, e.occurred_at.getTime());
    totals.set(e.player_id, t);
  }
  const findsBy = new Map<string, typeof finds>();
  for (const f of finds) findsBy.set(f.player_id, [...(findsBy.get(f.player_id) ?? []), f]);

  const ranked = participants
    .filter((p) => !p.hidden && (findsBy.get(p.player_id)?.length ?? 0) > 0)
    .map((p) => ({ ...p, ...totals.get(p.player_id)! }))
    .sort((a, b) => b.points - a.points || a.last - b.last || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0));
  const entries: ReferenceEntry[] = [];
  ranked.forEach((p, i) => {
    const prev = entries[i - 1];
    const tied = prev && ranked[i - 1]!.points === p.points && ranked[i - 1]!.last === p.last;
    entries.push({
      rank: tied ? prev.rank : i + 1,
      playerId: p.player_id, handle: p.handle, points: p.points,
      cluesFound: findsBy.get(p.player_id)!.length, lastFindAt: new Date(p.last).toISOString(),
    });
  });

  const rankOf = new Map(entries.map((e) => [e.playerId, e.rank]));
  const progress = new Map<string, ReferenceProgress>();
  for (const p of participants) {
    const own = (findsBy.get(p.player_id) ?? [])
      .sort((a, b) => a.found_at.getTime() - b.found_at.getTime() || a.position - b.position);
    // Hidden participants' progress is withdrawn; those without finds have no document.
    if (own.length === 0 || p.hidden) continue;
    progress.set(p.player_id, {
      playerId: p.player_id, handle: p.handle, rank: rankOf.get(p.player_id) ?? null,
      points: totals.get(p.player_id)?.points ?? 0, cluesFound: own.length,
      finds: own.map((f) => ({ clueId: f.clue_id, foundAt: f.found_at.toISOString(), points: f.points })),
    });
  }
  return { entries, progress };
}
