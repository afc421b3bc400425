// GET /v1/me/hunts/:slug: a player's own view, assembled in API memory from the worker's
// documents: each clue locked, open or found for the player's competitor (their team in a team
// hunt), locked clues' texts withheld, hint texts shown once taken, points (hint costs included)
// and rank; private, with ETag and 304.
import { expect } from 'chai';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('own view', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;

  before(async () => {
    db = await createTestDatabase('own_view');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
  });

  after(async () => {
    await engine?.stop();
    await db?.drop();
  });

  const me = (slug: string, token: string, headers: Record<string, string> = {}) => client.get(`/v1/me/hunts/${slug}`, { token, headers });
  const hint = (slug: string, clueId: string, n: number, token: string) => client.post(`/v1/hunts/${slug}/clues/${clueId}/hints/${n}`, undefined, { token });

  it('shows a solo player their clues locked, open and found, their hints and points, and nothing before the hunt is published', async () => {
    const hunt = await createHunt(client, 'own-solo', [
      { title: 'Gate', body: 'Start here', answers: ['gate'], points: 10, hints: [{ text: 'look up', cost: 3 }, { text: 'it is a gate', cost: 4 }] },
      { title: 'Tower', body: 'After the gate', answers: ['tower'], points: 20, unlock: { afterClues: [1] } },
      { title: 'Vault', body: 'Much later', answers: ['vault'], points: 30, unlock: { afterMinutes: 600 } },
    ]);
    const player = await registerPlayer(client, 'own_solo');
    expect((await client.get('/v1/me/hunts/own-solo')).status).to.equal(401);
    expect((await me('no-such-hunt', player.token)).status).to.equal(404);
    const first = await eventually(async () => {
      const res = await me('own-solo', player.token);
      return res.status === 200 ? res : undefined;
    }, 'the hunt published');
    expect(first.headers.get('cache-control')).to.equal('private, no-store');
    expect(first.body).to.deep.include({ hunt: 'own-solo', mode: 'solo', points: 0, rank: null, cluesFound: 0 });
    expect(first.body.competitor).to.deep.equal({ type: 'player', id: player.id, name: player.handle, joinCode: null });
    expect(first.body.clues.map((c: { state: string; title: string | null }) => [c.state, c.title])).to.deep.equal([
      ['open', 'Gate'], ['locked', null], ['locked', null],
    ]);
    expect(first.body.clues[0].hints).to.deep.equal([{ n: 1, cost: 3, text: null }, { n: 2, cost: 4, text: null }]);

    // 304 for the same view; a hint changes it.
    const etag = first.headers.get('etag')!;
    expect((await me('own-solo', player.token, { 'if-none-match': etag, 'cache-control': 'no-cache' })).status).to.equal(304);
    expect((await hint('own-solo', hunt.clues[0]!.id, 1, player.token)).body).to.deep.include({ n: 1, text: 'look up', cost: 3, points: -3 });
    // Read-your-writes: shown at once, before the worker republishes.
    const hinted = await me('own-solo', player.token);
    expect(hinted.body.points).to.equal(-3);
    expect(hinted.body.clues[0].hints).to.deep.equal([{ n: 1, cost: 3, text: 'look up' }, { n: 2, cost: 4, text: null }]);
    expect(hinted.headers.get('etag')).to.not.equal(etag);

    // A find: found at once (read-your-writes), and it opens the clue that waited for it.
    await answer(client, 'own-solo', hunt.clues[0]!.id, player.token, 'gate');
    const foundView = (await me('own-solo', player.token)).body;
    expect(foundView.clues.map((c: { state: string }) => c.state)).to.deep.equal(['found', 'open', 'locked']);
    expect(foundView.clues[1]).to.include({ title: 'Tower', body: 'After the gate' });
    expect(foundView.clues[0].foundAt).to.be.a('string');
    expect(foundView.points).to.equal(7);
    expect(foundView.cluesFound).to.equal(1);
    const ranked = await eventually(async () => {
      const res = await me('own-solo', player.token);
      return res.body.rank === 1 ? res.body : undefined;
    }, 'ranked');
    expect(ranked.points).to.equal(7);
  });

  it('shows a team member the team: its join code, its finds and hints; a player in no team sees only open clues', async () => {
    const hunt = await createHunt(client, 'own-team', [
      { title: 'Dock', body: 'By the water', answers: ['dock'], points: 10, hints: [{ text: 'boats', cost: 2 }] },
      { title: 'Crane', body: 'Needs two finds', answers: ['crane'], points: 20, unlock: { afterFinds: 1 } },
    ], { mode: 'team' });
    const ann = await registerPlayer(client, 'own_ann');
    const bob = await registerPlayer(client, 'own_bob');
    const loner = await registerPlayer(client, 'own_loner');
    await eventually(async () => ((await me('own-team', loner.token)).status === 200 ? true : undefined), 'the hunt published');
    const team = await client.post('/v1/hunts/own-team/teams', { name: 'Harbour' }, { token: ann.token });
    await client.post('/v1/hunts/own-team/teams/join', { joinCode: team.body.joinCode }, { token: bob.token });
    expect((await hint('own-team', hunt.clues[0]!.id, 1, bob.token)).status).to.equal(200);
    await answer(client, 'own-team', hunt.clues[0]!.id, ann.token, 'dock');
    // Read-your-writes for the whole team: Ann's find and Bob's hint, at once in Bob's view.
    const atOnce = (await me('own-team', bob.token)).body;
    expect([atOnce.cluesFound, atOnce.points, atOnce.clues[0].state, atOnce.clues[0].hints[0].text]).to.deep.equal([1, 8, 'found', 'boats']);
    const view = await eventually(async () => {
      const res = await me('own-team', bob.token);
      return res.body?.competitor?.joinCode && res.body.cluesFound === 1 && res.body.points === 8 ? res.body : undefined;
    }, 'the team view');
    expect(view.mode).to.equal('team');
    expect(view.competitor).to.deep.equal({ type: 'team', id: team.body.id, name: 'Harbour', joinCode: team.body.joinCode });
    expect(view.clues.map((c: { state: string }) => c.state)).to.deep.equal(['found', 'open']);
    expect(view.clues[0].hints).to.deep.equal([{ n: 1, cost: 2, text: 'boats' }]);

    const alone = (await me('own-team', loner.token)).body;
    expect(alone).to.deep.include({ competitor: null, points: 0, rank: null, cluesFound: 0 });
    expect(alone.clues.map((c: { state: string; title: string | null }) => [c.state, c.title])).to.deep.equal([['open', 'Dock'], ['locked', null]]);
  });
  it('keeps a view between reads but shows the rank of the latest board, with a new tag when it moves; HEAD sends no body', async () => {
    const hunt = await createHunt(client, 'own-rank', [
      { title: 'One', body: 'first', answers: ['one'], points: 10 },
      { title: 'Two', body: 'second', answers: ['two'], points: 10 },
    ]);
    const ann = await registerPlayer(client, 'rank_ann');
    const bob = await registerPlayer(client, 'rank_bob');
    await eventually(async () => ((await me('own-rank', ann.token)).status === 200 ? true : undefined), 'the hunt published');
    await answer(client, 'own-rank', hunt.clues[0]!.id, ann.token, 'one');
    const first = await eventually(async () => {
      const res = await me('own-rank', ann.token);
      return res.body.rank === 1 ? res : undefined;
    }, 'ann ranked first');
    // Bob overtakes: nothing of Ann's changes, only the board.
    await answer(client, 'own-rank', hunt.clues[0]!.id, bob.token, 'one');
    await answer(client, 'own-rank', hunt.clues[1]!.id, bob.token, 'two');
    const second = await eventually(async () => {
      const res = await me('own-rank', ann.token);
      return res.body.rank === 2 ? res : undefined;
    }, 'ann ranked second');
    expect(second.body).to.deep.equal({ ...first.body, rank: 2 });
    expect(second.headers.get('etag')).to.not.equal(first.headers.get('etag'));
    expect((await me('own-rank', ann.token, { 'if-none-match': first.headers.get('etag')! })).status).to.equal(200);
    expect((await me('own-rank', ann.token, { 'if-none-match': second.headers.get('etag')! })).status).to.equal(304);

    const head = await fetch(`${engine.url}/v1/me/hunts/own-rank`, { method: 'HEAD', headers: { authorization: `Bearer ${ann.token}` } });
    expect([head.status, head.headers.get('etag'), head.headers.get('cache-control'), await head.text()])
      .to.deep.equal([200, second.headers.get('etag'), 'private, no-store', '']);
    // An unknown token is refused like every other player route.
    const stranger = await client.get('/v1/me/hunts/own-rank', { token: 'not-a-token-anyone-has' });
    expect([stranger.status, stranger.body.error, stranger.headers.get('www-authenticate')]).to.deep.equal([401, 'unauthorized', 'Bearer']);
  });
});
