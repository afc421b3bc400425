// The ranking rules computed in plain TypeScript from the base tables, independent of the SQL
// views: what every served leaderboard and progress (or, in a team hunt, team) document must equal.
import type pg from 'pg';

export interface ReferencePlayerEntry {
  rank: number; playerId: string; handle: string; points: number; cluesFound: number; lastFindAt: string;
}
export interface ReferenceTeamEntry {
  rank: number; teamId: string; name: string; points: number; cluesFound: number; lastFindAt: string; memberCount: number;
}
/** A solo hunt's entries name players; a team hunt's name teams. */
export type ReferenceEntry = ReferencePlayerEntry | ReferenceTeamEntry;
export interface ReferenceProgress {
  playerId: string; handle: string; rank: number | null; points: number; cluesFound: number;
  finds: { clueId: string; foundAt: string; points: number }[];
  adjustments: ReferenceAdjustment[];
  frozen: boolean; frozenAt: string | null;
}
export interface ReferenceAdjustment { points: number; reason: string; at: string }
/** A team's public document (GET /v1/hunts/:slug/teams/:teamId) without its stamp and leaderboardVersion. */
export interface ReferenceTeam {
  teamId: string; name: string; members: { playerId: string; handle: string }[];
  points: number; cluesFound: number; rank: number | null;
  finds: { clueId: string; foundAt: string; points: number; playerId: string }[];
  adjustments: ReferenceAdjustment[];
  frozen: boolean; frozenAt: string | null;
}

/** Byte order of UTF-8, as `collate "C"` sorts. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function referenceRanking(db: pg.Pool | pg.Client, huntId: string) {
  const { rows: [hunt] } = await db.query<{ mode: 'solo' | 'team'; freeze_at: Date | null; frozen: boolean }>(
    'select mode, freeze_at, (freeze_at is not null and freeze_at <= now()) as frozen from hunts where id = $1', [huntId]);
  const mode = hunt!.mode;
  // What the public sees of a hunt with a freezeAt: events and finds before it.
  const until = hunt!.freeze_at?.getTime() ?? Infinity;
  const freeze = { frozen: hunt!.frozen, frozenAt: hunt!.frozen ? hunt!.freeze_at!.toISOString() : null };
  const events = (await db.query<{ id: string; competitor_id: string; points: number; reason: string; note: string | null; occurred_at: Date }>(
    'select id, competitor_id, points, reason, note, occurred_at from score_events where hunt_id = $1', [huntId])).rows
    .filter((e) => e.occurred_at.getTime() < until);
  // Organisers' adjustments, in the order they were made.
  const adjustmentsOf = (id: string): ReferenceAdjustment[] => events
    .filter((e) => e.competitor_id === id && e.reason === 'adjustment')
    .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || Number(a.id) - Number(b.id))
    .map((e) => ({ points: e.points, reason: e.note!, at: e.occurred_at.toISOString() }));
  const finds = (await db.query<{ competitor_id: string; clue_id: string; found_at: Date; points: number; position: number; player_id: string }>(
    `select f.competitor_id, f.clue_id, f.found_at, f.points, c.position, f.player_id
       from finds f join clues c on c.id = f.clue_id where f.hunt_id = $1`, [huntId])).rows
    .filter((f) => f.found_at.getTime() < until);
  const competitors = (await db.query<{ competitor_id: string; hidden: boolean; name: string }>(
    'select competitor_id, hidden, name from competitors where hunt_id = $1', [huntId])).rows;
  const memberRows = mode === 'team' ? (await db.query<{ team_id: string; player_id: string; handle: string; joined_at: Date }>(
    `select tm.team_id, tm.player_id, p.handle, tm.joined_at
       from team_members tm join players p on p.id = tm.player_id where tm.hunt_id = $1`, [huntId])).rows : [];

  // Points: the ledger (every find's points and every score event), no floor. The tie-break: the
  // latest find (no other event moves it).
  const points = new Map<string, number>();
  for (const e of [...events, ...finds]) points.set(e.competitor_id, (points.get(e.competitor_id) ?? 0) + e.points);
  const findsBy = new Map<string, typeof finds>();
  for (const f of finds) findsBy.set(f.competitor_id, [...(findsBy.get(f.competitor_id) ?? []), f]);
  const lastFind = (id: string) => Math.max(...findsBy.get(id)!.map((f) => f.found_at.getTime()));
  // A team's members in the order they joined, then by handle.
  const members = new Map<string, { playerId: string; handle: string }[]>();
  for (const m of [...memberRows].sort((a, b) => a.joined_at.getTime() - b.joined_at.getTime() || byBytes(a.handle, b.handle))) {
    members.set(m.team_id, [...(members.get(m.team_id) ?? []), { playerId: m.player_id, handle: m.handle }]);
  }

  const ranked = competitors
    .filter((c) => !c.hidden && (findsBy.get(c.competitor_id)?.length ?? 0) > 0)
    .map((c) => ({ ...c, points: points.get(c.competitor_id) ?? 0, last: lastFind(c.competitor_id) }))
    .sort((a, b) => b.points - a.points || a.last - b.last || byBytes(a.name, b.name) || byBytes(a.competitor_id, b.competitor_id));
  const entries: ReferenceEntry[] = [];
  ranked.forEach((c, i) => {
    const prev = entries[i - 1];
    const tied = prev && ranked[i - 1]!.points === c.points && ranked[i - 1]!.last === c.last;
    const rank = tied ? prev.rank : i + 1;
    const common = { points: c.points, cluesFound: findsBy.get(c.competitor_id)!.length, lastFindAt: new Date(c.last).toISOString() };
    entries.push(mode === 'team'
      ? { rank, teamId: c.competitor_id, name: c.name, ...common, memberCount: members.get(c.competitor_id)?.length ?? 0 }
      : { rank, playerId: c.competitor_id, handle: c.name, ...common });
  });

  const rankOf = new Map(entries.map((e) => [('teamId' in e ? e.teamId : e.playerId), e.rank]));
  const ownFinds = (id: string) => [...(findsBy.get(id) ?? [])]
    .sort((a, b) => a.found_at.getTime() - b.found_at.getTime() || a.position - b.position);
  const progress = new Map<string, ReferenceProgress>();
  const teams = new Map<string, ReferenceTeam>();
  for (const c of competitors) {
    // Hidden competitors' documents are withdrawn.
    if (c.hidden) continue;
    const own = ownFinds(c.competitor_id);
    if (mode === 'team') {
      // Every visible team has a document, found anything or not.
      teams.set(c.competitor_id, {
        teamId: c.competitor_id, name: c.name, members: members.get(c.competitor_id) ?? [],
        points: points.get(c.competitor_id) ?? 0, cluesFound: own.length, rank: rankOf.get(c.competitor_id) ?? null,
        finds: own.map((f) => ({ clueId: f.clue_id, foundAt: f.found_at.toISOString(), points: f.points, playerId: f.player_id })),
        adjustments: adjustmentsOf(c.competitor_id), ...freeze,
      });
      continue;
    }
    // A player has a document from their first score event: a find, or a hint paid for (then
    // unranked, with the hint's negative points).
    if (own.length === 0 && !points.has(c.competitor_id)) continue;
    progress.set(c.competitor_id, {
      playerId: c.competitor_id, handle: c.name, rank: rankOf.get(c.competitor_id) ?? null,
      points: points.get(c.competitor_id) ?? 0, cluesFound: own.length,
      finds: own.map((f) => ({ clueId: f.clue_id, foundAt: f.found_at.toISOString(), points: f.points })),
      adjustments: adjustmentsOf(c.competitor_id), ...freeze,
    });
  }
  // Which visible team each player is in (team hunts): their progress is that team's.
  const teamOf = new Map(memberRows.filter((m) => teams.has(m.team_id)).map((m) => [m.player_id, m.team_id]));
  /** The competitor's points as the ledger has them (0 without events), documented or not. */
  const ledger = (id: string) => points.get(id) ?? 0;
  return { mode, entries, progress, teams, teamOf, ledger, freeze };
}
