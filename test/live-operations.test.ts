// Running a live hunt: announcements in the hunt document and its feed, the feed of finds (a clue's
// first find once, as first_find), organisers' adjustments re-ranking the board and shown to the
// competitor, without moving the latest-find tie-break, and first-finder bonuses, one competitor
// per place.
import { expect } from 'chai';
import type { Reply } from './support/client.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { engineSuite } from './support/engine-suite.ts';

describe('live operations', function () {
  this.timeout(90_000);
  const t = engineSuite('live_operations');

  const admin = { token: ADMIN_TOKEN };
  const statusOf = (res: Reply) => [res.status, res.body?.error];
  type Entry = { type: string; at: string; competitorId: string | null; name: string | null; clueId: string | null; text: string | null };

  it('shows announcements in the hunt document and the feed, newest first, and withdraws a deleted one', async () => {
    const hunt = await createHunt(t.client, 'news', [{ answers: ['a'] }, { answers: ['b'] }]);
    const [first, second] = hunt.clues.map((c) => c.id) as [string, string];
    const post = (body: unknown, slug = 'news') => t.client.post(`/v1/admin/hunts/${slug}/announcements`, body, admin);
    const general = await post({ text: 'Welcome, hunters!' });
    expect(general.status, general.text).to.equal(201);
    expect(general.body).to.have.keys('id', 'at');
    const about = await post({ text: 'Clue 2 is <b>tricky</b>', clueId: second });
    expect(about.status).to.equal(201);
    expect(statusOf(await post({ text: 'x', clueId: '00000000-0000-4000-8000-000000000000' }))).to.deep.equal([400, 'invalid_body']);
    expect(statusOf(await post({ text: '' }))).to.deep.equal([400, 'invalid_body']);
    expect(statusOf(await post({ text: 'x' }, 'no-such-hunt'))).to.deep.equal([404, 'not_found']);
    expect((await t.client.post('/v1/admin/hunts/news/announcements', { text: 'x' })).status).to.equal(401);

    const detail = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/news');
      return res.body?.announcements?.length === 2 ? res.body : undefined;
    }, 'announcements published');
    expect(detail.announcements).to.deep.equal([
      { id: about.body.id, at: about.body.at, text: 'Clue 2 is <b>tricky</b>', clueId: second },
      { id: general.body.id, at: general.body.at, text: 'Welcome, hunters!', clueId: null },
    ]);

    const ann = await registerPlayer(t.client, 'news_ann');
    const bob = await registerPlayer(t.client, 'news_bob');
    expect((await answer(t.client, 'news', first, ann.token, 'a')).body.correct).to.equal(true);
    await new Promise((r) => setTimeout(r, 5));
    expect((await answer(t.client, 'news', first, bob.token, 'a')).body.correct).to.equal(true);
    const feed = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/news/feed');
      return res.status === 200 && res.body.entries.length === 4 ? res : undefined;
    }, 'the feed with two finds');
    expect(feed.headers.get('etag')).to.be.a('string');
    expect(feed.body).to.have.keys('entries', 'frozen', 'frozenAt', 'version', 'generatedAt');
    const entries = feed.body.entries as Entry[];
    expect(entries.map((e) => [e.type, e.name, e.clueId, e.text])).to.deep.equal([
      ['find', 'news_bob', first, null],
      ['first_find', 'news_ann', first, null],
      ['announcement', null, second, 'Clue 2 is <b>tricky</b>'],
      ['announcement', null, null, 'Welcome, hunters!'],
    ]);
    expect(entries[1]!.competitorId).to.equal(ann.id);
    expect(entries.map((e) => e.at)).to.deep.equal([...entries.map((e) => e.at)].sort().reverse());

    expect((await t.client.request('DELETE', `/v1/admin/hunts/news/announcements/${general.body.id}`, admin)).status).to.equal(204);
    expect(statusOf(await t.client.request('DELETE', `/v1/admin/hunts/news/announcements/${general.body.id}`, admin))).to.deep.equal([404, 'not_found']);
    await eventually(async () => {
      const [d, f] = await Promise.all([t.client.get('/v1/hunts/news'), t.client.get('/v1/hunts/news/feed')]);
      return d.body.announcements.length === 1 && f.body.entries.length === 3 ? true : undefined;
    }, 'the announcement withdrawn from the hunt and the feed');
    expect(statusOf(await t.client.get('/v1/hunts/no-such-hunt/feed'))).to.deep.equal([404, 'not_found']);
  });

  it('re-ranks the board with an adjustment, shows it to the competitor, and keeps the latest-find tie-break', async () => {
    const hunt = await createHunt(t.client, 'adjusted', [{ answers: ['a'], points: 10 }, { answers: ['b'], points: 10 }]);
    const [first] = hunt.clues.map((c) => c.id) as [string, string];
    const ann = await registerPlayer(t.client, 'adj_ann');
    const bob = await registerPlayer(t.client, 'adj_bob');
    await answer(t.client, 'adjusted', first, ann.token, 'a');
    await new Promise((r) => setTimeout(r, 5));
    await answer(t.client, 'adjusted', first, bob.token, 'a');
    const before = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/adjusted/leaderboard');
      return res.body?.entries?.length === 2 ? res.body.entries : undefined;
    }, 'both ranked');
    expect(before.map((e: { handle: string }) => e.handle)).to.deep.equal(['adj_ann', 'adj_bob']);

    const post = (body: unknown) => t.client.post('/v1/admin/hunts/adjusted/adjustments', body, admin);
    const award = await post({ competitorId: bob.id, points: 5, reason: 'Helped a lost tourist' });
    expect(award.status, award.text).to.equal(201);
    expect(award.body).to.have.keys('id');
    expect(statusOf(await post({ competitorId: bob.id, points: 0, reason: 'nothing' }))).to.deep.equal([400, 'invalid_body']);
    expect(statusOf(await post({ competitorId: bob.id, points: 1, reason: '' }))).to.deep.equal([400, 'invalid_body']);
    expect(statusOf(await post({ competitorId: '00000000-0000-4000-8000-000000000000', points: 1, reason: 'who?' }))).to.deep.equal([404, 'not_found']);

    const after = await eventually(async () => {
      const res = await t.client.get('/v1/hunts/adjusted/leaderboard');
      return res.body.entries[0]?.handle === 'adj_bob' ? res.body.entries : undefined;
    }, 'bob re-ranked first');
    expect(after.map((e: { handle: string; points: number }) => [e.handle, e.points])).to.deep.equal([['adj_bob', 15], ['adj_ann', 10]]);
    // The adjustment does not move bob's latest find.
    expect(after[0].lastFindAt).to.equal(before[1].lastFindAt);

    const progress = (await t.client.get(`/v1/hunts/adjusted/players/${bob.id}`)).body;
    expect(progress.points).to.equal(15);
    expect(progress.adjustments).to.have.length(1);
    expect(progress.adjustments[0]).to.include({ points: 5, reason: 'Helped a lost tourist' });
    const own = (await t.client.get('/v1/me/hunts/adjusted', { token: bob.token })).body;
    expect([own.points, own.adjustments]).to.deep.equal([15, progress.adjustments]);

    // A penalty just as big: equal points, and the earlier latest find ranks first again.
    expect((await post({ competitorId: bob.id, points: -5, reason: 'Shared an answer' })).status).to.equal(201);
    await eventually(async () => {
      const res = await t.client.get('/v1/hunts/adjusted/leaderboard');
      return res.body.entries[0]?.handle === 'adj_ann' && res.body.entries[1].points === 10 ? true : undefined;
    }, 'ann first again on the tie-break');
  });
  it('gives each place of the first-finder bonus to exactly one competitor, whatever arrives at once, in the answer\'s points', async () => {
    const hunt = await createHunt(t.client, 'bonus-race', [{ answers: ['a'], points: 10 }, { answers: ['b'], points: 10 }],
      { firstFinderBonus: [5, 3, 1] });
    const [raced, calm] = hunt.clues.map((c) => c.id) as [string, string];
    const players = await Promise.all(Array.from({ length: 10 }, (_, i) => registerPlayer(t.client, `bonus_${i}`)));
    const replies = await Promise.all(players.map((p) => answer(t.client, 'bonus-race', raced, p.token, 'a')));
    expect(replies.every((r) => r.status === 200 && r.body.correct && !r.body.alreadyFound), JSON.stringify(replies.map((r) => r.body))).to.equal(true);
    expect(replies.map((r) => r.body.points).sort((x, y) => y - x)).to.deep.equal([15, 13, 11, 10, 10, 10, 10, 10, 10, 10]);
    const { rows } = await t.pool.query<{ competitor_id: string; place: number; points: number }>(
      `select competitor_id, place, points from score_events where clue_id = $1 and reason = 'bonus' order by place`, [raced]);
    expect(rows.map((r) => [r.place, r.points])).to.deep.equal([[1, 5], [2, 3], [3, 1]]);
    expect(new Set(rows.map((r) => r.competitor_id)).size).to.equal(3);
    // Each answer's reply says which place it got.
    for (const [i, reply] of replies.entries()) {
      const place = rows.find((r) => r.competitor_id === players[i]!.id);
      expect(reply.body.points, players[i]!.handle).to.equal(10 + (place?.points ?? 0));
    }
    // One at a time: places in the order of the finds.
    const calmPoints: number[] = [];
    for (const p of players.slice(0, 4)) calmPoints.push((await answer(t.client, 'bonus-race', calm, p.token, 'b')).body.points);
    expect(calmPoints).to.deep.equal([15, 13, 11, 10]);
    // The board counts the bonus.
    const first = players[0]!;
    await eventually(async () => {
      const res = await t.client.get(`/v1/hunts/bonus-race/players/${first.id}`);
      const expected = 15 + 10 + (rows.find((r) => r.competitor_id === first.id)?.points ?? 0);
      return res.body?.points === expected ? true : undefined;
    }, 'bonus points in the progress document');
  });
});
