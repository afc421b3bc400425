// `npm run seed` with the game model: --team-hunts (teams of up to 4 of a hunt's participants, each
// a competitor, finds keyed by the team and made by a member), --rules (unlock rules every seeded
// find keeps) and --hints (hints bought before finds, as negative score events). The data set plays
// by the engine's rules, and once the worker has published it every served leaderboard, team
// document and player's progress equals the ranking computed from the base tables.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client, type Reply } from './support/client.ts';
import { ANSWER_HASH_KEY, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, settled } from './support/fixtures.ts';
import { referenceRanking } from './support/reference-ranking.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const SEED_MAIN = fileURLToPath(new URL('../src/cli/seed.ts', import.meta.url));
const PREFIX = 'gm';

async function fullLeaderboard(client: Client, slug: string) {
  const entries: unknown[] = [];
  let version: number | undefined;
  for (let offset = 0; ; offset += 100) {
    const res = await client.get(`/v1/hunts/${slug}/leaderboard?limit=100&offset=${offset}`);
    if (res.status !== 200) return undefined;
    version ??= res.body.version;
    if (res.body.version !== version) return undefined;
    entries.push(...res.body.entries);
    if (entries.length >= res.body.total) return { entries, version: version! };
  }
}

describe('seeding team hunts, unlock rules and hints', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;
  let dataDir: string;

  before(async () => {
    db = await createTestDatabase('seed_game_model');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 3, 'test-seed-game-model');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'seed-game-model-'));
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const statusOf = (res: Reply) => [res.status, res.body?.error];
  const rows = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[];

  it('generates team hunts, rules and hints that keep the game\'s rules, and serves them as the reference ranks them', async () => {
    const seeded = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [SEED_MAIN,
        '--hunts', '3', '--team-hunts', '2', '--players', '150', '--finds', '1500', '--clues', '12', '--seed', '5',
        '--prefix', PREFIX, '--rules', '--hints', '--with-submissions', '--known-tokens',
      ], { env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, ANSWER_HASH_KEY, LOG_LEVEL: 'error' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    expect(seeded.code, seeded.stderr + seeded.stdout).to.equal(0);
    expect(seeded.stdout).to.include('2 of them team hunts, unlock rules, hints');

    const hunts = await rows<{ id: string; slug: string; mode: string; max_team_size: number | null }>(
      `select id, slug, mode, max_team_size from hunts where slug like $1 order by slug`, [`${PREFIX}-%`]);
    expect(hunts.map((h) => [h.slug, h.mode, h.max_team_size])).to.deep.equal([
      [`${PREFIX}-1`, 'solo', null], [`${PREFIX}-2`, 'team', 4], [`${PREFIX}-3`, 'team', 4],
    ]);
    const huntIds = hunts.map((h) => h.id);

    // Teams: up to 4 members each, every one a competitor under its name, with a join code.
    const teams = await rows<{ id: string; hunt_id: string; name: string; join_code: string; members: number; competitor: string | null }>(
      `select t.id, t.hunt_id, t.name, t.join_code, (select count(*)::int from team_members m where m.team_id = t.id) as members,
              (select c.name from competitors c where c.hunt_id = t.hunt_id and c.competitor_id = t.id) as competitor
         from teams t where t.hunt_id = any($1)`, [huntIds]);
    expect(teams.length).to.be.greaterThan(10);
    for (const team of teams) {
      expect(team.name).to.match(new RegExp(`^${PREFIX}-team-\\d+$`));
      expect(team.competitor, team.name).to.equal(team.name);
      expect(team.members, team.name).to.be.within(1, 4);
      expect(team.join_code).to.match(/^[0-9A-F]{12}$/);
    }
    expect(teams.filter((t) => t.members === 4).length).to.be.greaterThan(teams.length / 2);
    // Competitors are the hunt's teams in a team hunt, its players in a solo hunt.
    const [kinds] = await rows<{ team_competitors: number; strays: number; solo_teams: number; foreign_finders: number }>(
      `select (select count(*) from competitors c join hunts h on h.id = c.hunt_id and h.mode = 'team'
                where c.hunt_id = any($1) and exists (select 1 from teams t where t.id = c.competitor_id))::int as team_competitors,
              (select count(*) from competitors c join hunts h on h.id = c.hunt_id
                where c.hunt_id = any($1) and (h.mode = 'team') = not exists (select 1 from teams t where t.id = c.competitor_id))::int as strays,
              (select count(*) from competitors c join hunts h on h.id = c.hunt_id and h.mode = 'solo'
                where c.hunt_id = any($1) and c.competitor_id <> all (select id from players))::int as solo_teams,
              -- Every find of a team hunt made by a member of the team; of a solo hunt by the competitor.
              (select count(*) from finds f join hunts h on h.id = f.hunt_id
                where f.hunt_id = any($1)
                  and case when h.mode = 'team'
                        then not exists (select 1 from team_members m where m.team_id = f.competitor_id and m.player_id = f.player_id)
                        else f.competitor_id <> f.player_id end)::int as foreign_finders`, [huntIds]);
    expect(kinds).to.deep.equal({ team_competitors: teams.length, strays: 0, solo_teams: 0, foreign_finders: 0 });

    // Rules: every 4th clue waits for the one before, every 5th for two finds; no seeded find broke one.
    const rules = await rows<{ position: number; after_clue: number | null; after_finds: number | null; minutes: number | null }>(
      `select distinct c.position, (select p.position from clues p where p.id = any(c.unlock_after_clues)) as after_clue,
              c.unlock_after_finds as after_finds, c.unlock_after_minutes as minutes
         from clues c where c.hunt_id = any($1) order by c.position`, [huntIds]);
    expect(rules.map((r) => [r.position, r.after_clue, r.after_finds, r.minutes])).to.deep.equal(
      Array.from({ length: 12 }, (_, i) => i + 1).map((p) => [p, p % 4 === 0 ? p - 1 : null, p % 5 === 0 ? 2 : null, null]));
    const [broken] = await rows<{ early: number; ruled_finds: number }>(
      `select count(*) filter (where
                (c.unlock_after_clues is not null and not exists (
                   select 1 from finds p where p.competitor_id = f.competitor_id and p.clue_id = any(c.unlock_after_clues) and p.found_at < f.found_at))
             or (c.unlock_after_finds is not null and (
                   select count(*) from finds p where p.competitor_id = f.competitor_id and p.hunt_id = f.hunt_id and p.found_at < f.found_at)
                   < c.unlock_after_finds))::int as early,
              count(*) filter (where c.unlock_after_clues is not null or c.unlock_after_finds is not null)::int as ruled_finds
         from finds f join clues c on c.id = f.clue_id where f.hunt_id = any($1)`, [huntIds]);
    expect(broken!.ruled_finds).to.be.greaterThan(100);
    expect(broken!.early, 'finds of clues still locked for their finder').to.equal(0);

    // Hints: two on every 3rd clue, bought (in order, by the finder's competitor) before the find,
    // each paid by one negative score event at the moment it was taken.
    const hintCosts = await rows<{ position: number; n: number; cost: number }>(
      `select distinct c.position, h.n, h.cost from clue_hints h join clues c on c.id = h.clue_id
        where c.hunt_id = any($1) order by 1, 2`, [huntIds]);
    expect(hintCosts.map((h) => [h.position, h.n, h.cost])).to.deep.equal(
      [3, 6, 9, 12].flatMap((p) => [[p, 1, 5], [p, 2, 10]]));
    const perHunt = await rows<{ hunt_id: string; taken: number; second: number; events: number; paid: number; cost: number; late: number; out_of_order: number; unmatched: number }>(
      `select h.id as hunt_id,
              (select count(*) from hints_taken t where t.hunt_id = h.id)::int as taken,
              (select count(*) from hints_taken t where t.hunt_id = h.id and t.n = 2)::int as second,
              (select count(*) from score_events e where e.hunt_id = h.id and e.reason = 'hint')::int as events,
              (select coalesce(sum(e.points), 0) from score_events e where e.hunt_id = h.id and e.reason = 'hint')::int as paid,
              (select coalesce(sum(ch.cost), 0) from hints_taken t join clue_hints ch on ch.clue_id = t.clue_id and ch.n = t.n
                where t.hunt_id = h.id)::int as cost,
              (select count(*) from hints_taken t join finds f on f.competitor_id = t.competitor_id and f.clue_id = t.clue_id
                where t.hunt_id = h.id and (t.taken_at > f.found_at or t.taken_at < h.starts_at or t.player_id <> f.player_id))::int as late,
              (select count(*) from hints_taken t where t.hunt_id = h.id and t.n = 2 and not exists (
                 select 1 from hints_taken o where o.competitor_id = t.competitor_id and o.clue_id = t.clue_id and o.n = 1
                    and o.taken_at <= t.taken_at))::int as out_of_order,
              (select count(*) from hints_taken t where t.hunt_id = h.id and not exists (
                 select 1 from score_events e join clue_hints ch on ch.clue_id = t.clue_id and ch.n = t.n
                  where e.hunt_id = h.id and e.competitor_id = t.competitor_id and e.clue_id = t.clue_id and e.reason = 'hint'
                    and e.points = -ch.cost and e.occurred_at = t.taken_at))::int as unmatched
         from hunts h where h.id = any($1) order by h.slug`, [huntIds]);
    for (const h of perHunt) {
      expect(h.taken, `hints taken in ${h.hunt_id}`).to.be.greaterThan(5);
      expect(h.second).to.be.greaterThan(0);
      expect(h).to.include({ events: h.taken, paid: -h.cost, late: 0, out_of_order: 0, unmatched: 0 });
    }

    // Published: every board, team and progress as the base tables rank them.
    for (const hunt of hunts) {
      const reference = await referenceRanking(pool, hunt.id);
      expect(reference.entries.length, hunt.slug).to.be.greaterThan(hunt.mode === 'team' ? 10 : 50);
      const served = await eventually(async () => {
        if (!await settled(pool, client, hunt.id)) return undefined;
        const board = await fullLeaderboard(client, hunt.slug);
        return board && board.entries.length === reference.entries.length ? board : undefined;
      }, `seeded hunt ${hunt.slug} published`, 60_000);
      expect(served.entries, `leaderboard of ${hunt.slug}`).to.deep.equal(reference.entries);
      const detail = (await client.get(`/v1/hunts/${hunt.slug}`)).body;
      expect(detail.mode).to.equal(hunt.mode);
      expect(detail.clues.map((c: { position: number; locked: boolean }) => [c.position, c.locked])).to.deep.equal(
        rules.map((r) => [r.position, r.after_clue !== null || r.after_finds !== null]));

      if (hunt.mode === 'team') {
        expect(reference.teams.size).to.equal(teams.filter((t) => t.hunt_id === hunt.id).length);
        for (const [teamId, expected] of reference.teams) {
          const res = await client.get(`/v1/hunts/${hunt.slug}/teams/${teamId}`);
          expect(res.status, res.text).to.equal(200);
          const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
          expect(leaderboardVersion).to.equal(served.version);
          expect(content, `team ${expected.name} of ${hunt.slug}`).to.deep.equal(expected);
          // Its first member's progress is the team's.
          const member = expected.members[0]!;
          const view = await client.get(`/v1/hunts/${hunt.slug}/players/${member.playerId}`);
          const { version: _mv, generatedAt: _mg, leaderboardVersion: _ml, ...mine } = view.body;
          expect(mine).to.deep.equal({
            playerId: member.playerId, handle: member.handle, teamId, rank: expected.rank,
            points: expected.points, cluesFound: expected.cluesFound, finds: expected.finds, adjustments: expected.adjustments,
            frozen: expected.frozen, frozenAt: expected.frozenAt,
          });
        }
      } else {
        expect(reference.progress.size).to.be.greaterThan(50);
        for (const [playerId, expected] of reference.progress) {
          const res = await client.get(`/v1/hunts/${hunt.slug}/players/${playerId}`);
          expect(res.status, res.text).to.equal(200);
          const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
          expect(leaderboardVersion).to.equal(served.version);
          expect(content, `progress of ${expected.handle} in ${hunt.slug}`).to.deep.equal(expected);
        }
      }
    }

    // The seeded game plays on: a seeded team's member is refused a clue locked for the team, gets a
    // hint the team bought again for nothing, and a found clue is alreadyFound.
    const [locked] = await rows<{ slug: string; n: string; clue_id: string; position: number; team_id: string }>(
      `select h.slug, split_part(p.handle, '_', 2) as n, c.id as clue_id, c.position, m.team_id
         from hunts h join clues c on c.hunt_id = h.id and c.position % 4 = 0
         join team_members m on m.hunt_id = h.id join players p on p.id = m.player_id
        where h.id = any($1) and h.mode = 'team'
          and not exists (select 1 from finds f where f.competitor_id = m.team_id and f.clue_id = any(c.unlock_after_clues))
        order by h.slug, c.position, p.handle limit 1`, [huntIds]);
    expect(locked, 'a clue still locked for some seeded team').to.not.equal(undefined);
    const token = `${PREFIX}-token-${locked!.n}`;
    expect(statusOf(await answer(client, locked!.slug, locked!.clue_id, token, `gold ${locked!.position}`))).to.deep.equal([409, 'clue_locked']);
    const [bought] = await rows<{ slug: string; n: string; clue_id: string; hint: number; position: number; points: number }>(
      `select h.slug, split_part(p.handle, '_', 2) as n, t.clue_id, t.n as hint, c.position,
              (select sum(l.points)::int from score_ledger l where l.competitor_id = t.competitor_id and l.hunt_id = h.id) as points
         from hints_taken t join hunts h on h.id = t.hunt_id and h.mode = 'team' join clues c on c.id = t.clue_id
         join team_members m on m.team_id = t.competitor_id join players p on p.id = m.player_id
        where h.id = any($1) order by h.slug, c.position, p.handle limit 1`, [huntIds]);
    const again = await client.post(`/v1/hunts/${bought!.slug}/clues/${bought!.clue_id}/hints/${bought!.hint}`, undefined, { token: `${PREFIX}-token-${bought!.n}` });
    expect([again.status, again.body?.cost, again.body?.points], again.text).to.deep.equal([200, 5 * bought!.hint, bought!.points]);
    const found = await answer(client, bought!.slug, bought!.clue_id, `${PREFIX}-token-${bought!.n}`, `Gold ${bought!.position}`);
    expect(found.body).to.deep.equal({ correct: true, alreadyFound: true, points: 0 });
  });
});
