// Time windows kept by the engine: a live hunt whose startsAt is to come is listed as "scheduled"
// with no clues (answers refused, teams open); at startsAt its clues are published and at endsAt
// it ends, with no admin action. "scheduled" is derived: never accepted as a status. A hunt whose
// end has passed goes live again only with a new end.
import { expect } from 'chai';
import type { Reply } from './support/client.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { engineSuite } from './support/engine-suite.ts';

describe('time windows', function () {
  this.timeout(90_000);
  const t = engineSuite('time_windows');

  const statusOf = (res: Reply) => [res.status, res.body?.error];
  const admin = { token: ADMIN_TOKEN };
  const listed = async (slug: string) => ((await t.client.get('/v1/hunts')).body.hunts as { slug: string; status: string }[]).find((h) => h.slug === slug);

  it('lists a live hunt before its start as scheduled without clues, opens it at startsAt and ends it at endsAt by itself', async () => {
    const startsAt = Date.now() + 4000;
    const endsAt = startsAt + 4000;
    const hunt = await createHunt(t.client, 'windowed', [
      { title: 'Lantern', body: 'By the lantern', answers: ['lantern'], hints: [{ text: 'light', cost: 1 }] },
      { title: 'Bridge', body: 'Under the bridge', answers: ['bridge'] },
    ], { mode: 'team', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() });
    const [lantern] = hunt.clues.map((c) => c.id) as [string, string];
    const ann = await registerPlayer(t.client, 'window_ann');

    const scheduled = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/windowed');
      return res.status === 200 ? res.body : undefined;
    }, 'the scheduled hunt published');
    expect(scheduled).to.deep.include({ status: 'scheduled', title: 'Hunt windowed', clueCount: 2, clues: [] });
    expect(scheduled.startsAt).to.equal(new Date(startsAt).toISOString());
    expect(JSON.stringify(scheduled)).to.not.include('Lantern');
    expect((await listed('windowed'))?.status).to.equal('scheduled');
    const board = await t.client.get('/v1/hunts/windowed/leaderboard');
    expect([board.status, board.body.entries]).to.deep.equal([200, []]);
    // Teams form before the start; answers wait for it.
    const team = await t.client.post('/v1/hunts/windowed/teams', { name: 'Early birds' }, { token: ann.token });
    expect(team.status, team.text).to.equal(201);
    expect(statusOf(await answer(t.client, 'windowed', lantern, ann.token, 'lantern'))).to.deep.equal([409, 'hunt_not_live']);
    expect(statusOf(await t.client.post(`/v1/hunts/windowed/clues/${lantern}/hints/1`, undefined, { token: ann.token }))[1]).to.equal('hunt_not_live');
    // The own view shows no clue before the start either.
    expect((await t.client.get('/v1/me/hunts/windowed', { token: ann.token })).body.clues).to.deep.equal([]);
    expect(Date.now(), 'checks made before the start').to.be.below(startsAt);

    // At startsAt: published with no one's action.
    const opened = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/windowed');
      return res.body.status === 'live' ? res.body : undefined;
    }, 'the hunt opened', 20_000);
    expect(Date.now()).to.be.at.least(startsAt);
    expect(opened.clues.map((c: { title: string }) => c.title)).to.deep.equal(['Lantern', 'Bridge']);
    expect((await listed('windowed'))?.status).to.equal('live');
    expect((await t.client.get('/v1/me/hunts/windowed', { token: ann.token })).body.clues.map((c: { state: string }) => c.state))
      .to.deep.equal(['open', 'open']);
    expect((await answer(t.client, 'windowed', lantern, ann.token, 'lantern')).body).to.deep.include({ correct: true, alreadyFound: false });

    // At endsAt: ended, in the database and in public, with its standings kept.
    const ended = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/windowed');
      return res.body.status === 'ended' ? res.body : undefined;
    }, 'the hunt ended', 20_000);
    expect(Date.now()).to.be.at.least(endsAt);
    expect(ended.findCount).to.equal(1);
    const { rows: [stored] } = await t.pool.query<{ status: string }>(`select status from hunts where slug = 'windowed'`);
    expect(stored!.status).to.equal('ended');
    expect(statusOf(await answer(t.client, 'windowed', hunt.clues[1]!.id, ann.token, 'bridge'))).to.deep.equal([409, 'hunt_not_live']);
    const standings = (await t.client.get('/v1/hunts/windowed/leaderboard')).body.entries;
    expect(standings.map((e: { name: string; points: number }) => [e.name, e.points])).to.deep.equal([['Early birds', 10]]);
  });

  it('refuses "scheduled" as a status, and making a hunt live again after its end unless the same request moves the end', async () => {
    const base = { slug: 'never-scheduled', title: 'Never', clues: [{ title: 'C', body: 'b', points: 1, answers: ['a'] }] };
    expect(statusOf(await t.client.post('/v1/admin/hunts', { ...base, status: 'scheduled' }, admin))).to.deep.equal([400, 'invalid_body']);
    await createHunt(t.client, 'over-soon', [{ answers: ['x'] }], {
      startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 1500).toISOString(),
    });
    const patch = (body: unknown) => t.client.request('PATCH', '/v1/admin/hunts/over-soon', { body, ...admin });
    expect(statusOf(await patch({ status: 'scheduled' }))).to.deep.equal([400, 'invalid_body']);
    await eventually(async () => ((await t.client.get('/v1/hunts/over-soon')).body?.status === 'ended' ? true : undefined), 'ended by itself');
    const again = await patch({ status: 'live' });
    expect(statusOf(again)).to.deep.equal([409, 'invalid_transition']);
    expect(again.body.message).to.include('endsAt');
    expect(statusOf(await patch({ status: 'live', endsAt: new Date(Date.now() - 1000).toISOString() }))).to.deep.equal([409, 'invalid_transition']);
    const moved = await patch({ status: 'live', endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect([moved.status, moved.body.status]).to.deep.equal([200, 'live']);
    await eventually(async () => ((await t.client.get('/v1/hunts/over-soon')).body?.status === 'live' ? true : undefined), 'live again');
  });
});
