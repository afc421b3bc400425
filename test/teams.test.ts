// Team hunts: players form teams (create, join by code, leave; an organiser removes a member), a
// team is the competitor: the first correct answer of any member scores for it, once, and the
// leaderboard, first finders, playerCount and each team's own document show teams.
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('teams', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('teams');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test-teams');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  const players = (prefix: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => registerPlayer(client, `${prefix}_${i}`)));
  const createTeam = (slug: string, token: string, name: string) => client.post(`/v1/hunts/${slug}/teams`, { name }, { token });
  const joinTeam = (slug: string, token: string, joinCode: string) => client.post(`/v1/hunts/${slug}/teams/join`, { joinCode }, { token });

  it('creates a team hunt with a team size, and refuses maxTeamSize in a solo hunt', async () => {
    await createHunt(client, 'team-sized', [{ answers: ['a'] }], { mode: 'team', maxTeamSize: 3 });
    const { rows: [hunt] } = await pool.query(`select mode, max_team_size from hunts where slug = 'team-sized'`);
    expect(hunt).to.deep.equal({ mode: 'team', max_team_size: 3 });
    await createHunt(client, 'team-default', [{ answers: ['a'] }], { mode: 'team' });
    expect((await pool.query(`select max_team_size from hunts where slug = 'team-default'`)).rows[0].max_team_size).to.equal(4);
    const refused = await client.post('/v1/admin/hunts', {
      slug: 'solo-sized', title: 'x', status: 'live', maxTeamSize: 3, clues: [{ title: 'c', body: 'b', points: 1, answers: ['a'] }],
    }, { token: ADMIN_TOKEN });
    expect([refused.status, refused.body.error]).to.deep.equal([400, 'invalid_body']);
    for (const bad of [{ mode: 'duo' }, { mode: 'team', maxTeamSize: 0 }, { mode: 'team', maxTeamSize: 51 }]) {
      const res = await client.post('/v1/admin/hunts', {
        slug: 'bad-team', title: 'x', clues: [{ title: 'c', body: 'b', points: 1, answers: ['a'] }], ...bad,
      }, { token: ADMIN_TOKEN });
      expect([res.status, res.body.error], JSON.stringify(bad)).to.deep.equal([400, 'invalid_body']);
    }
  });

  it('creates, joins and leaves teams with the contract errors', async () => {
    await createHunt(client, 'team-rules', [{ answers: ['a'] }], { mode: 'team', maxTeamSize: 2 });
    await createHunt(client, 'solo-rules', [{ answers: ['a'] }]);
    const [ann, bob, cy, dee] = await players('rules', 4);

    expect((await client.post('/v1/hunts/team-rules/teams', { name: 'Owls' })).status).to.equal(401);
    const solo = await createTeam('solo-rules', ann!.token, 'Owls');
    expect([solo.status, solo.body.error]).to.deep.equal([409, 'not_team_hunt']);
    expect((await createTeam('no-such-hunt', ann!.token, 'Owls')).status).to.equal(404);
    expect((await createTeam('team-rules', ann!.token, '')).body.error).to.equal('invalid_body');
    expect((await createTeam('team-rules', ann!.token, 'x'.repeat(41))).body.error).to.equal('invalid_body');

    const owls = await createTeam('team-rules', ann!.token, 'Owls');
    expect(owls.status, owls.text).to.equal(201);
    expect(owls.headers.get('cache-control')).to.equal('private, no-store');
    expect(Object.keys(owls.body).sort()).to.deep.equal(['id', 'joinCode', 'name']);
    expect(owls.body.name).to.equal('Owls');
    expect((await createTeam('team-rules', bob!.token, 'OWLS')).body.error).to.equal('team_name_taken');
    expect((await createTeam('team-rules', ann!.token, 'Larks')).body.error).to.equal('already_in_team');

    expect((await joinTeam('team-rules', bob!.token, 'NOSUCHCODE')).status).to.equal(404);
    const joined = await joinTeam('team-rules', bob!.token, owls.body.joinCode.toLowerCase());
    expect([joined.status, joined.body]).to.deep.equal([200, { id: owls.body.id, name: 'Owls' }]);
    expect((await joinTeam('team-rules', bob!.token, owls.body.joinCode)).body.error).to.equal('already_in_team');
    expect((await joinTeam('team-rules', cy!.token, owls.body.joinCode)).body.error).to.equal('team_full');

    const left = await client.post('/v1/hunts/team-rules/teams/leave', undefined, { token: bob!.token });
    expect(left.status, left.text).to.equal(204);
    expect((await joinTeam('team-rules', cy!.token, owls.body.joinCode)).status).to.equal(200);
    const notIn = await client.post('/v1/hunts/team-rules/teams/leave', undefined, { token: dee!.token });
    expect(notIn.status).to.equal(409);

    const removed = await client.delete(`/v1/admin/hunts/team-rules/teams/${owls.body.id}/members/${cy!.id}`, { token: ADMIN_TOKEN });
    expect(removed.status, removed.text).to.equal(204);
    expect((await client.delete(`/v1/admin/hunts/team-rules/teams/${owls.body.id}/members/${cy!.id}`, { token: ADMIN_TOKEN })).status).to.equal(404);
    expect((await client.delete(`/v1/admin/hunts/team-rules/teams/${owls.body.id}/members/${cy!.id}`)).status).to.equal(401);
    const { rows } = await pool.query('select player_id from team_members where team_id = $1', [owls.body.id]);
    expect(rows.map((r) => r.player_id)).to.deep.equal([ann!.id]);
  });

  it('gives the last seat to exactly one of many players joining at once', async () => {
    await createHunt(client, 'team-seat', [{ answers: ['a'] }], { mode: 'team', maxTeamSize: 3 });
    const [owner, ...rest] = await players('seat', 9);
    const team = await createTeam('team-seat', owner!.token, 'Seats');
    const replies = await Promise.all(rest.map((p) => joinTeam('team-seat', p.token, team.body.joinCode)));
    expect(replies.filter((r) => r.status === 200)).to.have.length(2);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.error === 'team_full')).to.equal(true);
    expect((await pool.query('select count(*)::int as n from team_members where team_id = $1', [team.body.id])).rows[0].n).to.equal(3);
  });

  it('scores a find once for the team when ten members answer at once, and refuses players without a team', async () => {
    const hunt = await createHunt(client, 'team-race', [{ answers: ['river'], points: 30 }, { answers: ['hill'], points: 5 }], { mode: 'team', maxTeamSize: 10 });
    const members = await players('race', 10);
    const team = await createTeam('team-race', members[0]!.token, 'Racers');
    for (const m of members.slice(1)) expect((await joinTeam('team-race', m.token, team.body.joinCode)).status).to.equal(200);
    const [loner] = await players('loner', 1);
    const refused = await answer(client, 'team-race', hunt.clues[0]!.id, loner!.token, 'river');
    expect([refused.status, refused.body.error]).to.deep.equal([409, 'team_required']);

    const replies = await Promise.all(members.map((m) => answer(client, 'team-race', hunt.clues[0]!.id, m.token, 'river')));
    expect(replies.every((r) => r.status === 200 && r.body.correct)).to.equal(true);
    expect(replies.filter((r) => !r.body.alreadyFound).map((r) => r.body.points)).to.deep.equal([30]);
    expect(replies.filter((r) => r.body.alreadyFound).every((r) => r.body.points === 0)).to.equal(true);
    const later = await answer(client, 'team-race', hunt.clues[0]!.id, members[3]!.token, 'River!');
    expect(later.body).to.deep.equal({ correct: true, alreadyFound: true, points: 0 });
    const { rows: [counts] } = await pool.query(
      `select (select count(*) from finds where competitor_id = $1)::int as finds,
              (select coalesce(sum(points), 0) from score_ledger where competitor_id = $1)::int as points`, [team.body.id]);
    expect(counts).to.deep.equal({ finds: 1, points: 30 });
  });

  it('ranks teams on the leaderboard and names them as first finders, with their own documents', async () => {
    const hunt = await createHunt(client, 'team-board', [{ answers: ['one'], points: 10 }, { answers: ['two'], points: 20 }], { mode: 'team' });
    const [a1, a2, b1, solo] = await players('board', 4);
    const alpha = await createTeam('team-board', a1!.token, 'Alpha');
    await joinTeam('team-board', a2!.token, alpha.body.joinCode);
    const beta = await createTeam('team-board', b1!.token, 'Beta');
    await answer(client, 'team-board', hunt.clues[0]!.id, a2!.token, 'one');
    await answer(client, 'team-board', hunt.clues[0]!.id, b1!.token, 'one');
    await answer(client, 'team-board', hunt.clues[1]!.id, b1!.token, 'two');

    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/team-board/leaderboard');
      return res.body?.total === 2 ? res.body : undefined;
    }, 'teams ranked');
    const { version: _v, generatedAt: _g, ...rest } = board;
    expect(rest.entries.map((e: Record<string, unknown>) => ({ ...e, lastFindAt: typeof e.lastFindAt }))).to.deep.equal([
      { rank: 1, teamId: beta.body.id, name: 'Beta', points: 30, cluesFound: 2, lastFindAt: 'string', memberCount: 1 },
      { rank: 2, teamId: alpha.body.id, name: 'Alpha', points: 10, cluesFound: 1, lastFindAt: 'string', memberCount: 2 },
    ]);
    const detail = (await client.get('/v1/hunts/team-board')).body;
    expect(detail.playerCount).to.equal(3);
    expect(detail.clues[0].solveCount).to.equal(2);
    expect(detail.clues[0].firstFinder).to.include({ teamId: alpha.body.id, name: 'Alpha' });
    expect(detail.clues[0].firstFinder).to.not.have.property('playerId');

    const teamDoc = await client.get(`/v1/hunts/team-board/teams/${alpha.body.id}`);
    expect(teamDoc.status, teamDoc.text).to.equal(200);
    expect(teamDoc.body).to.include({ teamId: alpha.body.id, name: 'Alpha', points: 10, cluesFound: 1, rank: 2 });
    expect(teamDoc.body.members).to.deep.equal([{ playerId: a1!.id, handle: a1!.handle }, { playerId: a2!.id, handle: a2!.handle }]);
    expect(teamDoc.body.finds).to.have.length(1);
    expect(teamDoc.body.finds[0]).to.include({ clueId: hunt.clues[0]!.id, points: 10, playerId: a2!.id });
    expect(teamDoc.headers.get('etag')).to.be.a('string');
    expect((await client.get(`/v1/hunts/team-board/teams/${solo!.id}`)).status).to.equal(404);
    expect(detail.mode).to.equal('team');

    // A player's progress in a team hunt is their team's; a player in no team has none.
    const member = await client.get(`/v1/hunts/team-board/players/${a1!.id}`);
    expect(member.status, member.text).to.equal(200);
    expect(member.body).to.include({ playerId: a1!.id, handle: a1!.handle, teamId: alpha.body.id, rank: 2, points: 10, cluesFound: 1 });
    expect(member.body.finds).to.deep.equal(teamDoc.body.finds);
    const teamless = await client.get(`/v1/hunts/team-board/players/${solo!.id}`);
    expect(teamless.status, teamless.text).to.equal(200);
    expect(teamless.body).to.include({ playerId: solo!.id, teamId: null, rank: null, points: 0, cluesFound: 0 });
    expect(teamless.body.finds).to.deep.equal([]);
    expect((await client.get('/v1/hunts/team-board/players/00000000-0000-4000-8000-000000000009')).status).to.equal(404);
    expect((await client.get('/v1/hunts/team-board/teams/not-a-uuid')).status).to.equal(404);

    // A member leaves: the find stays with the team, its document (a version up) and count follow.
    expect((await client.post('/v1/hunts/team-board/teams/leave', undefined, { token: a2!.token })).status).to.equal(204);
    const after = await eventually(async () => {
      const res = await client.get(`/v1/hunts/team-board/teams/${alpha.body.id}`);
      return res.body?.members?.length === 1 ? res.body : undefined;
    }, 'membership republished');
    expect(after).to.include({ points: 10, cluesFound: 1 });
    expect(after.version).to.be.greaterThan(teamDoc.body.version);
    await eventually(async () => ((await client.get('/v1/hunts/team-board')).body.playerCount === 2 ? true : undefined), 'playerCount follows');
    const entry = await eventually(async () => {
      const res = await client.get('/v1/hunts/team-board/leaderboard');
      const alphaEntry = res.body.entries.find((e: { teamId: string }) => e.teamId === alpha.body.id);
      return alphaEntry?.memberCount === 1 ? alphaEntry : undefined;
    }, 'memberCount follows');
    expect(entry.points).to.equal(10);
  });
});
