// The scoreboard freeze: from freezeAt on, every public document of the hunt shows the standings
// as of freezeAt (finds and adjustments after it left out) and says so (frozen, frozenAt), while
// answers keep being judged and recorded; the player's own view stays live (its rank from the
// frozen board) and organisers see the live standings; the hunt stays frozen after it ends;
// unfreezing publishes everything.
import { expect } from 'chai';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { engineSuite } from './support/engine-suite.ts';

describe('scoreboard freeze', function () {
  this.timeout(90_000);
  const t = engineSuite('scoreboard_freeze');

  const admin = { token: ADMIN_TOKEN };
  const names = (entries: { handle: string; points: number }[]) => entries.map((e) => [e.handle, e.points]);

  it('shows the standings as of freezeAt in every public document, keeps /v1/me and the admin board live, and catches up when unfrozen', async () => {
    const freezeAt = new Date(Date.now() + 3000);
    const hunt = await createHunt(t.client, 'frozen-finale', [{ answers: ['one'] }, { answers: ['two'] }, { answers: ['three'] }],
      { freezeAt: freezeAt.toISOString() });
    const [one, two, three] = hunt.clues.map((c) => c.id) as [string, string, string];
    const ann = await registerPlayer(t.client, 'frz_ann');
    const bob = await registerPlayer(t.client, 'frz_bob');
    await answer(t.client, 'frozen-finale', one, ann.token, 'one');
    await new Promise((r) => setTimeout(r, 5));
    await answer(t.client, 'frozen-finale', one, bob.token, 'one');
    const before = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/frozen-finale/leaderboard');
      return res.body?.entries?.length === 2 ? res.body : undefined;
    }, 'both ranked before the freeze');
    expect([before.frozen, before.frozenAt]).to.deep.equal([false, null]);
    expect(Date.now(), 'finds before the freeze').to.be.below(freezeAt.getTime());

    // The freeze comes by itself.
    const frozenBoard = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/frozen-finale/leaderboard');
      return res.body?.frozen === true ? res.body : undefined;
    }, 'the board frozen');
    expect(frozenBoard.frozenAt).to.equal(freezeAt.toISOString());

    // After it: bob finds two more clues, ann gets an award. Judged and recorded as ever.
    expect((await answer(t.client, 'frozen-finale', two, bob.token, 'two')).body).to.deep.include({ correct: true, points: 10 });
    const publicRightAfter = (await t.client.get(`/v1/hunts/frozen-finale/players/${bob.id}`)).body;
    expect([publicRightAfter.points, publicRightAfter.cluesFound, publicRightAfter.frozen]).to.deep.equal([10, 1, true]);
    expect((await answer(t.client, 'frozen-finale', three, bob.token, 'three')).body.correct).to.equal(true);
    expect((await t.client.post('/v1/admin/hunts/frozen-finale/adjustments', { competitorId: ann.id, points: 100, reason: 'Late bonus' }, admin)).status)
      .to.equal(201);
    const { rows: [stored] } = await t.pool.query<{ n: number }>('select count(*)::int as n from finds where competitor_id = $1', [bob.id]);
    expect(stored!.n).to.equal(3);

    // The organisers' board is live.
    const live = await eventually(async () => {
      const res = await t.client.get('/v1/admin/hunts/frozen-finale/leaderboard', admin);
      return res.body?.entries?.[0]?.points === 110 ? res.body : undefined;
    }, 'the live admin board');
    expect(names(live.entries)).to.deep.equal([['frz_ann', 110], ['frz_bob', 30]]);
    expect((await t.client.get('/v1/admin/hunts/frozen-finale/leaderboard')).status).to.equal(401);

    // Bob's own view is live, his rank the frozen board's.
    const mine = await eventually(async () => {
      const res = await t.client.get('/v1/me/hunts/frozen-finale', { token: bob.token });
      return res.body?.points === 30 ? res.body : undefined;
    }, 'bob sees his finds');
    expect([mine.cluesFound, mine.rank, mine.clues.map((c: { state: string }) => c.state)]).to.deep.equal([3, 2, ['found', 'found', 'found']]);

    // Let the worker publish everything it would (the change rows are consumed), then look at every public document.
    await eventually(async () => {
      const { rows: [left] } = await t.pool.query<{ n: number }>('select count(*)::int as n from read_model_changes');
      return left!.n === 0 ? true : undefined;
    }, 'changes published');
    const board = (await t.client.get('/v1/hunts/frozen-finale/leaderboard')).body;
    expect(names(board.entries)).to.deep.equal([['frz_ann', 10], ['frz_bob', 10]]);
    const progress = (await t.client.get(`/v1/hunts/frozen-finale/players/${bob.id}`)).body;
    expect([progress.points, progress.cluesFound, progress.frozen, progress.frozenAt]).to.deep.equal([10, 1, true, freezeAt.toISOString()]);
    const annProgress = (await t.client.get(`/v1/hunts/frozen-finale/players/${ann.id}`)).body;
    expect([annProgress.points, annProgress.adjustments]).to.deep.equal([10, []]);
    const detail = (await t.client.get('/v1/hunts/frozen-finale')).body;
    expect([detail.frozen, detail.findCount, detail.clues.map((c: { solveCount: number }) => c.solveCount)]).to.deep.equal([true, 2, [2, 0, 0]]);
    expect(detail.clues[1].firstFinder).to.equal(null);
    const feed = (await t.client.get('/v1/hunts/frozen-finale/feed')).body;
    expect(feed.frozen).to.equal(true);
    expect(feed.entries.map((e: { clueId: string }) => e.clueId)).to.deep.equal([one, one]);

    // The hunt ends: still frozen (the finale is revealed by unfreezing, not by the end).
    expect((await t.client.patch('/v1/admin/hunts/frozen-finale', { status: 'ended' }, admin)).status).to.equal(200);
    const ended = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/frozen-finale');
      return res.body?.status === 'ended' ? res.body : undefined;
    }, 'the hunt ended');
    expect([ended.frozen, ended.findCount]).to.deep.equal([true, 2]);
    // Rebuilt from scratch (the end is the full path), the feed still stops at the freeze.
    expect((await t.client.get('/v1/hunts/frozen-finale/feed')).body.entries.map((e: { clueId: string }) => e.clueId)).to.deep.equal([one, one]);
    expect(names((await t.client.get('/v1/hunts/frozen-finale/leaderboard')).body.entries)).to.deep.equal([['frz_ann', 10], ['frz_bob', 10]]);

    // Unfrozen: everything public catches up.
    expect((await t.client.patch('/v1/admin/hunts/frozen-finale', { freezeAt: null }, admin)).status).to.equal(200);
    const thawed = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/frozen-finale/leaderboard');
      return res.body?.frozen === false && res.body.entries[0]?.points === 110 ? res.body : undefined;
    }, 'the board thawed');
    expect(names(thawed.entries)).to.deep.equal([['frz_ann', 110], ['frz_bob', 30]]);
    const after = (await t.client.get(`/v1/hunts/frozen-finale/players/${bob.id}`)).body;
    expect([after.points, after.cluesFound, after.frozen, after.frozenAt]).to.deep.equal([30, 3, false, null]);
    expect((await t.client.get('/v1/hunts/frozen-finale/feed')).body.entries).to.have.length(4);
  });
});
