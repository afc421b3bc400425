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
  const events = (await db.query<{ competitor_id: string; points: number }>(
    'select competitor_id, points from score_events where hunt_id = $1', [huntId])).rows;
  const finds = (await db.query<{ competitor_id: string; clue_id: string; found_at: Date; points: number; position: number }>(
    `select f.competitor_id, f.clue_id, f.found_at, f.points, c.position
       from finds f join clues c on c.id = f.clue_id where f.hunt_id = $1`, [huntId])).rows;
  const competitors = (await db.query<{ competitor_id: string; hidden: boolean; name: string }>(
    'select competitor_id, hidden, name from competitors where hunt_id = $1', [huntId])).rows;

  // Points: every score event, no floor. The tie-break: the latest find (no other event moves it).
  const points = new Map<string, number>();
  for (const e of events) points.set(e.competitor_id, (points.get(e.competitor_id) ?? 0) + e.points);
  const findsBy = new Map<string, typeof finds>();
  for (const f of finds) findsBy.set(f.competitor_id, [...(findsBy.get(f.competitor_id) ?? []), f]);
  const lastFind = (id: string) => Math.max(...findsBy.get(id)!.map((f) => f.found_at.getTime()));

  const ranked = competitors
    .filter((c) => !c.hidden && (findsBy.get(c.competitor_id)?.length ?? 0) > 0)
    .map((c) => ({ ...c, points: points.get(c.competitor_id) ?? 0, last: lastFind(c.competitor_id) }))
    .sort((a, b) => b.points - a.points || a.last - b.last || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries: ReferenceEntry[] = [];
  ranked.forEach((c, i) => {
    const prev = entries[i - 1];
    const tied = prev && ranked[i - 1]!.points === c.points && ranked[i - 1]!.last === c.last;
    entries.push({
      rank: tied ? prev.rank : i + 1,
      playerId: c.competitor_id, handle: c.name, points: c.points,
      cluesFound: findsBy.get(c.competitor_id)!.length, lastFindAt: new Date(c.last).toISOString(),
    });
  });

  const rankOf = new Map(entries.map((e) => [e.playerId, e.rank]));
  const progress = new Map<string, ReferenceProgress>();
  for (const c of competitors) {
    const own = (findsBy.get(c.competitor_id) ?? [])
      .sort((a, b) => a.found_at.getTime() - b.found_at.getTime() || a.position - b.position);
    // Hidden competitors' progress is withdrawn; those without finds have no document.
    if (own.length === 0 || c.hidden) continue;
    progress.set(c.competitor_id, {
      playerId: c.competitor_id, handle: c.name, rank: rankOf.get(c.competitor_id) ?? null,
      points: points.get(c.competitor_id) ?? 0, cluesFound: own.length,
      finds: own.map((f) => ({ clueId: f.clue_id, foundAt: f.found_at.toISOString(), points: f.points })),
    });
  }
  return { entries, progress };
}
