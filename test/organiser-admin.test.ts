// Organisers seeing and fixing their hunts: GET /v1/admin/hunts (drafts included),
// GET /v1/admin/hunts/:slug (the definition, never an answer) and PATCH
// /v1/admin/hunts/:slug/clues/:clueId (texts and points reach the public documents within about a
// second; added answers re-judge the stored guesses, crediting finds at the guesses' times).
import { expect } from 'chai';
import { createAnswerHasher, normalizeAnswer } from '../src/core/answer-hash.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { engineSuite } from './support/engine-suite.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('organiser admin: hunt definitions and clue fixes', function () {
  this.timeout(60_000);
  const t = engineSuite('organiser_admin', {}, 4);
  const hasher = createAnswerHasher(ANSWER_HASH_KEY);

  const admin = { token: ADMIN_TOKEN };
  const patchClue = (slug: string, clueId: string, body: unknown, token: string | null = ADMIN_TOKEN) =>
    t.client.patch(`/v1/admin/hunts/${slug}/clues/${clueId}`, body, token === null ? {} : { token });
  const board = (slug: string, ready: (body: any) => boolean) => eventually(async () => {
    const res = await t.client.get(`/v1/hunts/${slug}/leaderboard`);
    return res.status === 200 && ready(res.body) ? res.body : undefined;
  }, `${slug}'s leaderboard`);
  const detail = (slug: string, ready: (body: any) => boolean) => eventually(async () => {
    const res = await t.client.get(`/v1/hunts/${slug}`);
    return res.status === 200 && ready(res.body) ? res.body : undefined;
  }, `${slug}'s hunt document`);
  const findsOf = async (clueId: string) => (await t.pool.query(
    `select f.competitor_id, f.player_id, f.points, f.found_at from finds f where f.clue_id = $1 order by f.found_at`, [clueId])).rows;
  const guessTime = async (playerId: string, clueId: string, text: string) => (await t.pool.query(
    'select submitted_at from submissions where player_id = $1 and clue_id = $2 and guess_hash = $3',
    [playerId, clueId, hasher.hash(normalizeAnswer(text))])).rows[0]?.submitted_at as Date | undefined;

  it('lists every hunt, drafts included, and shows a hunt\'s definition as create takes it, with ids and no answers', async () => {
    const created = await createHunt(t.client, 'org-def', [
      { title: 'Gate', body: 'By the gate', points: 10, answers: ['Old Oak', 'old-oak!', 'elm'], hints: [{ text: 'A tree', cost: 2 }] },
      { title: 'Roof', body: 'Look up', points: 25, answers: ['antenna'], unlock: { afterClues: [1], afterMinutes: 5 } },
      { title: 'Cellar', body: 'Down', points: 5, answers: ['barrel'], unlock: { afterFinds: 1 } },
    ], { mode: 'team', maxTeamSize: 3, description: 'Around town', startsAt: '2030-01-01T10:00:00Z', endsAt: '2030-01-02T10:00:00Z' });
    await createHunt(t.client, 'org-draft', [{ answers: ['x'] }], { status: 'draft' });

    expect((await t.client.get('/v1/admin/hunts')).status).to.equal(401);
    const list = await t.client.get('/v1/admin/hunts', admin);
    expect(list.status, list.text).to.equal(200);
    expect(list.headers.get('cache-control')).to.equal('private, no-store');
    const bySlug = new Map(list.body.hunts.map((h: any) => [h.slug, h]));
    expect(bySlug.get('org-draft')).to.include({ status: 'draft', mode: 'solo', clueCount: 1, competitorCount: 0, startsAt: null });
    expect(bySlug.get('org-def')).to.include({
      title: 'Hunt org-def', status: 'live', mode: 'team', clueCount: 3, startsAt: '2030-01-01T10:00:00.000Z', endsAt: '2030-01-02T10:00:00.000Z',
    });
    expect(list.body.hunts[0].slug, 'newest first').to.equal('org-draft');
    // The public index does not list the draft.
    expect((await t.client.get('/v1/hunts')).body.hunts.map((h: any) => h.slug)).not.to.include('org-draft');

    const res = await t.client.get('/v1/admin/hunts/org-def', admin);
    expect(res.status, res.text).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('private, no-store');
    const { createdAt, ...definition } = res.body;
    expect(createdAt).to.be.a('string');
    expect(definition).to.deep.equal({
      slug: 'org-def', title: 'Hunt org-def', description: 'Around town', status: 'live', mode: 'team', maxTeamSize: 3,
      startsAt: '2030-01-01T10:00:00.000Z', endsAt: '2030-01-02T10:00:00.000Z', freezeAt: null, firstFinderBonus: [],
      clues: [
        // 'Old Oak' and 'old-oak!' normalize to one answer.
        { id: created.clues[0]!.id, position: 1, title: 'Gate', body: 'By the gate', points: 10, unlock: null,
          hints: [{ text: 'A tree', cost: 2 }], acceptedAnswers: 2 },
        { id: created.clues[1]!.id, position: 2, title: 'Roof', body: 'Look up', points: 25,
          unlock: { afterClues: [1], afterFinds: null, afterMinutes: 5 }, hints: [], acceptedAnswers: 1 },
        { id: created.clues[2]!.id, position: 3, title: 'Cellar', body: 'Down', points: 5,
          unlock: { afterClues: [], afterFinds: 1, afterMinutes: null }, hints: [], acceptedAnswers: 1 },
      ],
      hiddenCompetitors: [],
    });
    // Never an answer, nor its hash.
    for (const secret of ['Old Oak', 'oldoak', 'elm', 'antenna', 'barrel']) expect(res.text.toLowerCase()).not.to.include(secret.toLowerCase());
    expect(res.text).not.to.include(hasher.hash('oldoak').toString('hex'));
    expect(res.text).not.to.include(hasher.hash('oldoak').toString('base64'));

    expect((await t.client.get('/v1/admin/hunts/org-def')).status).to.equal(401);
    const missing = await t.client.get('/v1/admin/hunts/no-such-hunt', admin);
    expect([missing.status, missing.body.error]).to.deep.equal([404, 'not_found']);
    const draft = await t.client.get('/v1/admin/hunts/org-draft', admin);
    expect([draft.status, draft.body.status]).to.deep.equal([200, 'draft']);
  });

  it('publishes a new title and body within about a second, in the hunt document and the own view, never a locked clue\'s', async () => {
    const hunt = await createHunt(t.client, 'org-text', [
      { title: 'Old title', body: 'Old body', answers: ['a'] },
      { title: 'Locked', body: 'Hidden', answers: ['b'], unlock: { afterClues: [1] } },
    ]);
    const [open, locked] = hunt.clues.map((c) => c.id);
    await detail('org-text', (d) => d.clues[0].title === 'Old title');
    const res = await patchClue('org-text', open!, { title: '  New title ', body: 'New body' });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({
      id: open, position: 1, title: 'New title', body: 'New body', points: 10, unlock: null, hints: [], acceptedAnswers: 1, rejudged: 0,
    });
    const started = Date.now();
    const published = await detail('org-text', (d) => d.clues[0].title === 'New title');
    expect(Date.now() - started, 'published within about a second').to.be.below(3000);
    expect(published.clues[0].body).to.equal('New body');

    expect((await patchClue('org-text', locked!, { title: 'Secret room', body: 'Behind the shelf' })).status).to.equal(200);
    const player = await registerPlayer(t.client, 'ot_player');
    // The own view (the private clue book) shows the open clue's new text.
    const own = await eventually(async () => {
      const view = await t.client.get('/v1/me/hunts/org-text', { token: player.token });
      return view.body?.clues?.[0]?.title === 'New title' ? view.body : undefined;
    }, 'the own view with the new title');
    expect([own.clues[1].state, own.clues[1].title]).to.deep.equal(['locked', null]);
    // The locked clue's new text stays out of every public document.
    await eventually(async () => (await t.pool.query(`select 1 from dirty_hunts h join hunts x on x.id = h.hunt_id where x.slug = 'org-text'`)).rowCount === 0 || undefined, 'the edit published');
    const publicBody = (await t.client.get('/v1/hunts/org-text')).text;
    expect(publicBody).not.to.include('Secret room');
    expect(publicBody).not.to.include('Behind the shelf');
  });

  it('re-scores every find of a clue to its new points, on the leaderboard and in the ledger', async () => {
    const hunt = await createHunt(t.client, 'org-points', [{ answers: ['one'], points: 10 }, { answers: ['two'], points: 15 }]);
    const [c1, c2] = hunt.clues.map((c) => c.id);
    const [amy, ben] = await Promise.all(['op_amy', 'op_ben'].map((h) => registerPlayer(t.client, h)));
    await answer(t.client, 'org-points', c1!, amy!.token, 'one');
    await answer(t.client, 'org-points', c2!, ben!.token, 'two');
    const before = await board('org-points', (b) => b.total === 2);
    expect(before.entries.map((e: any) => [e.handle, e.points])).to.deep.equal([['op_ben', 15], ['op_amy', 10]]);

    const res = await patchClue('org-points', c1!, { points: 40 });
    expect([res.status, res.body.points, res.body.rejudged]).to.deep.equal([200, 40, 0]);
    // The leaderboard is recomputed: amy's past find is now worth 40 and moves her up.
    const after = await board('org-points', (b) => b.entries[0]?.handle === 'op_amy');
    expect(after.entries.map((e: any) => [e.rank, e.handle, e.points])).to.deep.equal([[1, 'op_amy', 40], [2, 'op_ben', 15]]);
    const published = await detail('org-points', (d) => d.clues[0].points === 40);
    expect(published.findCount).to.equal(2);
    const progress = await eventually(async () => {
      const p = await t.client.get(`/v1/hunts/org-points/players/${amy!.id}`);
      return p.body?.points === 40 ? p.body : undefined;
    }, 'amy\'s progress re-scored');
    expect(progress.finds.map((f: any) => f.points)).to.deep.equal([40]);
    expect((await findsOf(c1!)).map((f) => f.points)).to.deep.equal([40]);
    // A find made after the change scores the new points.
    const cat = await registerPlayer(t.client, 'op_cat');
    expect((await answer(t.client, 'org-points', c1!, cat.token, 'one')).body.points).to.equal(40);
  });

  it('re-judges stored guesses of added answers: credits each competitor once, at its earliest matching guess', async () => {
    const hunt = await createHunt(t.client, 'org-rejudge', [{ answers: ['gold'], points: 10 }, { answers: ['other'], points: 5 }]);
    const [c1, c2] = hunt.clues.map((c) => c.id);
    const [early, right, late, wrong] = await Promise.all(['or_early', 'or_right', 'or_late', 'or_wrong'].map((h) => registerPlayer(t.client, h)));
    // early guesses "Silver" (wrong at the time), then right finds the clue, then late guesses
    // "silver!" twice over (two spellings, one normalized guess) and "SILVER ORE"; wrong guesses "bronze".
    expect((await answer(t.client, 'org-rejudge', c1!, early!.token, 'Silver')).body.correct).to.equal(false);
    await pause(5);
    expect((await answer(t.client, 'org-rejudge', c1!, right!.token, 'gold')).body.correct).to.equal(true);
    await pause(5);
    await answer(t.client, 'org-rejudge', c1!, late!.token, 'silver ore');
    await pause(5);
    await answer(t.client, 'org-rejudge', c1!, late!.token, 'silver!');
    await answer(t.client, 'org-rejudge', c1!, wrong!.token, 'bronze');
    // A guess of the same text at another clue is not re-judged.
    await answer(t.client, 'org-rejudge', c2!, wrong!.token, 'silver');
    const before = await detail('org-rejudge', (d) => d.clues[0].solveCount === 1);
    expect(before.clues[0].firstFinder.handle).to.equal('or_right');

    const res = await patchClue('org-rejudge', c1!, { addAnswers: ['SILVER', 'silver ore', 'gold'] });
    expect(res.status, res.text).to.equal(200);
    expect([res.body.acceptedAnswers, res.body.rejudged]).to.deep.equal([3, 2]);
    expect(res.text.toLowerCase()).not.to.include('silver');

    // Each credited at its earliest matching guess ("silver ore" came before "silver!" for late).
    const finds = await findsOf(c1!);
    expect(finds.map((f) => f.competitor_id)).to.deep.equal([early!.id, right!.id, late!.id]);
    expect(finds[0].found_at.getTime()).to.equal((await guessTime(early!.id, c1!, 'Silver'))!.getTime());
    expect(finds[2].found_at.getTime()).to.equal((await guessTime(late!.id, c1!, 'silver ore'))!.getTime());
    expect(finds.every((f) => f.points === 10)).to.equal(true);
    const { rows: marked } = await t.pool.query(
      `select p.handle, s.correct from submissions s join players p on p.id = s.player_id where s.clue_id = $1 order by p.handle, s.submitted_at`, [c1]);
    expect(marked.map((r) => [r.handle, r.correct])).to.deep.equal([
      ['or_early', true], ['or_late', true], ['or_late', true], ['or_right', true], ['or_wrong', false],
    ]);
    expect((await t.pool.query('select count(*)::int as n from finds where clue_id = $1', [c2])).rows[0].n).to.equal(0);

    // Published: early is now the first finder, at the time of the guess.
    const after = await detail('org-rejudge', (d) => d.clues[0].solveCount === 3);
    expect(after.clues[0].firstFinder).to.include({ playerId: early!.id });
    const ranked = await board('org-rejudge', (b) => b.total === 3);
    expect(ranked.entries.map((e: any) => e.handle)).to.deep.equal(['or_early', 'or_right', 'or_late']);
    // The credited players' own view and answers know the find.
    const own = await eventually(async () => {
      const view = await t.client.get('/v1/me/hunts/org-rejudge', { token: early!.token });
      return view.body?.clues?.[0]?.state === 'found' ? view.body : undefined;
    }, 'early\'s own view with the find');
    expect(own.points).to.equal(10);
    expect((await answer(t.client, 'org-rejudge', c1!, early!.token, 'silver')).body).to.deep.equal({ correct: true, alreadyFound: true, points: 0 });

    // Adding the same answers again credits no one twice.
    const again = await patchClue('org-rejudge', c1!, { addAnswers: ['silver'] });
    expect([again.status, again.body.acceptedAnswers, again.body.rejudged]).to.deep.equal([200, 3, 0]);
    expect((await findsOf(c1!)).length).to.equal(3);
  });

  it('credits a team once, for the guesses its members made while in it', async () => {
    const hunt = await createHunt(t.client, 'org-teams', [{ answers: ['gold'], points: 10 }], { mode: 'team', maxTeamSize: 4 });
    const clue = hunt.clues[0]!.id;
    const [a1, a2, b1, c1] = await Promise.all(['ot_a1', 'ot_a2', 'ot_b1', 'ot_c1'].map((h) => registerPlayer(t.client, h)));
    const team = (name: string, token: string) => t.client.post('/v1/hunts/org-teams/teams', { name }, { token });
    const alpha = await team('Alpha', a1!.token);
    await t.client.post('/v1/hunts/org-teams/teams/join', { joinCode: alpha.body.joinCode }, { token: a2!.token });
    const beta = await team('Beta', b1!.token);
    const gamma = await team('Gamma', c1!.token);
    await answer(t.client, 'org-teams', clue, a2!.token, 'silver');
    await pause(5);
    await answer(t.client, 'org-teams', clue, a1!.token, 'silver');
    // b1 guesses for Beta, then leaves and joins Gamma: neither team was b1's when guessing and is b1's now.
    await answer(t.client, 'org-teams', clue, b1!.token, 'silver');
    expect((await t.client.post('/v1/hunts/org-teams/teams/leave', undefined, { token: b1!.token })).status).to.equal(204);
    expect((await t.client.post('/v1/hunts/org-teams/teams/join', { joinCode: gamma.body.joinCode }, { token: b1!.token })).status).to.equal(200);

    const res = await patchClue('org-teams', clue, { addAnswers: ['silver'] });
    expect([res.status, res.body.rejudged]).to.deep.equal([200, 1]);
    const finds = await findsOf(clue);
    expect(finds.map((f) => [f.competitor_id, f.player_id])).to.deep.equal([[alpha.body.id, a2!.id]]);
    expect(finds[0].found_at.getTime()).to.equal((await guessTime(a2!.id, clue, 'silver'))!.getTime());
    expect(beta.status).to.equal(201);
    const teamDoc = await eventually(async () => {
      const doc = await t.client.get(`/v1/hunts/org-teams/teams/${alpha.body.id}`);
      return doc.body?.cluesFound === 1 ? doc.body : undefined;
    }, 'Alpha\'s document with the find');
    expect([teamDoc.rank, teamDoc.points, teamDoc.finds[0].playerId]).to.deep.equal([1, 10, a2!.id]);
  });

  it('credits a guess that was being judged while the answer was added', async () => {
    const hunt = await createHunt(t.client, 'org-race', [{ answers: ['gold'], points: 10 }]);
    const clue = hunt.clues[0]!.id;
    const player = await registerPlayer(t.client, 'orc_player');
    const huntId = (await t.pool.query(`select id from hunts where slug = 'org-race'`)).rows[0].id;
    // An answer judged against the old answers whose transaction commits after the edit's: written
    // here as submit_answers writes a wrong guess, held open across the PATCH.
    const tx = await t.pool.connect();
    try {
      await tx.query('begin');
      await tx.query('insert into competitors (hunt_id, competitor_id, name) values ($1, $2, $3)', [huntId, player.id, player.handle]);
      await tx.query(
        `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct) values ($1, $2, $3, $4, $5, false)`,
        [huntId, clue, player.id, hasher.keyId, hasher.hash(normalizeAnswer('silver'))]);
      const patched = patchClue('org-race', clue, { addAnswers: ['silver'] });
      await pause(300);
      await tx.query('commit');
      const res = await patched;
      expect([res.status, res.body.rejudged]).to.deep.equal([200, 1]);
    } finally {
      tx.release();
    }
    expect((await findsOf(clue)).map((f) => f.competitor_id)).to.deep.equal([player.id]);
    await board('org-race', (b) => b.total === 1 && b.entries[0].playerId === player.id);
  });

  it('answers 401, 404 for an unknown hunt or clue, and 400 for a body it does not take, changing nothing', async () => {
    const hunt = await createHunt(t.client, 'org-errors', [{ title: 'Kept', answers: ['a'] }]);
    const other = await createHunt(t.client, 'org-errors-other', [{ answers: ['a'] }]);
    const clue = hunt.clues[0]!.id;
    expect((await patchClue('org-errors', clue, { title: 'x' }, null)).status).to.equal(401);
    for (const [slug, id] of [['no-such-hunt', clue], ['org-errors', other.clues[0]!.id], ['org-errors', '00000000-0000-4000-8000-000000000000'], ['org-errors', 'nope']]) {
      const res = await patchClue(slug!, id!, { title: 'x' });
      expect([res.status, res.body.error], `${slug}/${id}`).to.deep.equal([404, 'not_found']);
    }
    const bad = [
      { title: '' }, { title: '   ' }, { title: 'x'.repeat(201) }, { body: 'x'.repeat(10_001) }, { points: 0 }, { points: 1.5 },
      { points: 1_000_001 }, { addAnswers: [] }, { addAnswers: [''] }, { addAnswers: ['?!'] }, { addAnswers: 'gold' },
      { answers: ['gold'] }, { title: 'ok', clueId: clue },
    ];
    for (const body of bad) {
      const res = await patchClue('org-errors', clue, body);
      expect([res.status, res.body.error], JSON.stringify(body)).to.deep.equal([400, 'invalid_body']);
    }
    const { rows: [row] } = await t.pool.query(
      'select title, points, (select count(*)::int from clue_answers where clue_id = $1) as answers from clues where id = $1', [clue]);
    expect(row).to.deep.equal({ title: 'Kept', points: 10, answers: 1 });
  });
});
