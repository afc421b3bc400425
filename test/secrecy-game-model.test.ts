// Secrets of the game model: a locked clue's title and body, every hint's text and every accepted
// answer appear in no public response and no public snapshot row, whatever players have found,
// unlocked or bought. A solo and a team hunt are played first (finds, clues unlocked for some
// competitors by afterClues and afterFinds, one held back by afterMinutes, hints bought on open and
// unlocked clues); then every public read is scanned: the hunts index, each hunt, its leaderboard
// windows, every player's progress, every team's document, and every public snapshot row.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client, type Reply } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled, type ClueSpec } from './support/fixtures.ts';
import { referenceRanking } from './support/reference-ranking.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const PUBLIC_KINDS = ['hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress', 'team'];

describe('secrecy of locked clues, hints and answers in public documents', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('secrecy_game');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test-secrecy-game');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  const statusOf = (res: Reply) => [res.status, res.body?.error];

  /**
   * A hunt's clues, each with its own random marks: clues 1 and 2 open, 3 after clue 1, 4 after two
   * finds, 5 an hour after the start (the hunt started a minute ago), 6 after clue 3 and three finds.
   */
  function clueBook(label: string) {
    const mark = (what: string, i: number, n = 0) => `${what}-${label}-${i}${n ? `-${n}` : ''}-${randomBytes(6).toString('hex')}`;
    const rules: (ClueSpec['unlock'] | undefined)[] = [
      undefined, undefined, { afterClues: [1] }, { afterFinds: 2 }, { afterMinutes: 60 }, { afterClues: [3], afterFinds: 3 },
    ];
    const hintCounts = [2, 0, 1, 2, 1, 1];
    const clues = rules.map((unlock, i) => {
      const locked = unlock !== undefined;
      return {
        locked,
        title: mark(locked ? 'SECRET-TITLE' : 'OPEN-TITLE', i + 1),
        body: mark(locked ? 'SECRET-BODY' : 'OPEN-BODY', i + 1),
        answer: mark('SECRET-ANSWER', i + 1).toLowerCase(),
        hints: Array.from({ length: hintCounts[i]! }, (_, k) => ({ text: mark('SECRET-HINT', i + 1, k + 1), cost: 1 + k })),
        unlock,
      };
    });
    const specs: ClueSpec[] = clues.map((c) => ({
      title: c.title, body: c.body, points: 10, answers: [c.answer],
      ...(c.unlock ? { unlock: c.unlock } : {}), ...(c.hints.length ? { hints: c.hints } : {}),
    }));
    // Never in a public document: locked clues' title and body, every hint, every answer.
    const secrets = clues.flatMap((c) => [...(c.locked ? [c.title, c.body] : []), ...c.hints.map((h) => h.text), c.answer]);
    return { clues, specs, secrets };
  }

  it('shows no locked clue text, hint text or answer in any public response or snapshot row after play', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const solo = clueBook('solo');
    const team = clueBook('team');
    const soloHunt = await createHunt(client, 'secrecy-solo', solo.specs, { startsAt });
    const teamHunt = await createHunt(client, 'secrecy-team', team.specs, { startsAt, mode: 'team' });
    const soloIds = soloHunt.clues.map((c) => c.id);
    const teamIds = teamHunt.clues.map((c) => c.id);
    const players = await Promise.all(['ann', 'bob', 'cy', 'dee'].map((h) => registerPlayer(client, `secrecy_${h}`)));
    const [ann, bob, cy, dee] = players as [typeof players[0], typeof players[0], typeof players[0], typeof players[0]];

    const hintTexts: string[] = [];
    const takeHint = async (slug: string, clueId: string, n: number, token: string, expected: string) => {
      const res = await client.post(`/v1/hunts/${slug}/clues/${clueId}/hints/${n}`, undefined, { token });
      expect(res.status, res.text).to.equal(200);
      // The hint route's own (private) reply carries the text.
      expect(res.body.text).to.equal(expected);
      expect(res.headers.get('cache-control')).to.equal('private, no-store');
      hintTexts.push(res.text);
    };
    const correct = async (slug: string, clueId: string, token: string, text: string) => {
      const res = await answer(client, slug, clueId, token, text);
      expect([res.status, res.body?.correct], res.text).to.deep.equal([200, true]);
    };

    // Solo. ann: a hint of open clue 1, then clues 1 and 2 (3 and 4 open for her), hints of 3 and 4,
    // clues 3 and 4 (6 opens), clue 6; clue 5 stays locked, for answers and hints.
    const s = (i: number) => solo.clues[i - 1]!;
    await takeHint('secrecy-solo', soloIds[0]!, 1, ann.token, s(1).hints[0]!.text);
    await correct('secrecy-solo', soloIds[0]!, ann.token, s(1).answer);
    await correct('secrecy-solo', soloIds[1]!, ann.token, s(2).answer);
    await takeHint('secrecy-solo', soloIds[2]!, 1, ann.token, s(3).hints[0]!.text);
    await correct('secrecy-solo', soloIds[2]!, ann.token, s(3).answer);
    await takeHint('secrecy-solo', soloIds[3]!, 1, ann.token, s(4).hints[0]!.text);
    await takeHint('secrecy-solo', soloIds[3]!, 2, ann.token, s(4).hints[1]!.text);
    await correct('secrecy-solo', soloIds[3]!, ann.token, s(4).answer);
    await correct('secrecy-solo', soloIds[5]!, ann.token, s(6).answer);
    expect(statusOf(await answer(client, 'secrecy-solo', soloIds[4]!, ann.token, s(5).answer))).to.deep.equal([409, 'clue_locked']);
    expect(statusOf(await client.post(`/v1/hunts/secrecy-solo/clues/${soloIds[4]}/hints/1`, undefined, { token: ann.token })))
      .to.deep.equal([409, 'clue_locked']);
    // bob: clue 1 opens clue 3 for him: its hint, and a wrong guess.
    await correct('secrecy-solo', soloIds[0]!, bob.token, s(1).answer);
    await takeHint('secrecy-solo', soloIds[2]!, 1, bob.token, s(3).hints[0]!.text);
    expect((await answer(client, 'secrecy-solo', soloIds[2]!, bob.token, 'not it')).body.correct).to.equal(false);
    // cy only buys hints; dee finds clue 2 and is refused clue 3 (locked for her).
    await takeHint('secrecy-solo', soloIds[0]!, 1, cy.token, s(1).hints[0]!.text);
    await takeHint('secrecy-solo', soloIds[0]!, 2, cy.token, s(1).hints[1]!.text);
    await correct('secrecy-solo', soloIds[1]!, dee.token, s(2).answer);
    expect(statusOf(await answer(client, 'secrecy-solo', soloIds[2]!, dee.token, s(3).answer))).to.deep.equal([409, 'clue_locked']);

    // Team. Larks (ann, bob): bob buys a hint of clue 1, ann finds it, bob clue 2 (3 and 4 open for
    // the team), ann buys clue 3's hint, bob finds it, ann buys clue 4's first hint. Wrens (cy): clue
    // 1, then clue 3's hint. dee is in no team.
    const t = (i: number) => team.clues[i - 1]!;
    const larks = await client.post('/v1/hunts/secrecy-team/teams', { name: 'Larks' }, { token: ann.token });
    expect(larks.status, larks.text).to.equal(201);
    expect((await client.post('/v1/hunts/secrecy-team/teams/join', { joinCode: larks.body.joinCode }, { token: bob.token })).status).to.equal(200);
    const wrens = await client.post('/v1/hunts/secrecy-team/teams', { name: 'Wrens' }, { token: cy.token });
    expect(wrens.status, wrens.text).to.equal(201);
    await takeHint('secrecy-team', teamIds[0]!, 1, bob.token, t(1).hints[0]!.text);
    await correct('secrecy-team', teamIds[0]!, ann.token, t(1).answer);
    await correct('secrecy-team', teamIds[1]!, bob.token, t(2).answer);
    await takeHint('secrecy-team', teamIds[2]!, 1, ann.token, t(3).hints[0]!.text);
    await correct('secrecy-team', teamIds[2]!, bob.token, t(3).answer);
    await takeHint('secrecy-team', teamIds[3]!, 1, ann.token, t(4).hints[0]!.text);
    expect(statusOf(await answer(client, 'secrecy-team', teamIds[4]!, bob.token, t(5).answer))).to.deep.equal([409, 'clue_locked']);
    await correct('secrecy-team', teamIds[0]!, cy.token, t(1).answer);
    await takeHint('secrecy-team', teamIds[2]!, 1, cy.token, t(3).hints[0]!.text);
    expect(statusOf(await answer(client, 'secrecy-team', teamIds[0]!, dee.token, t(1).answer))).to.deep.equal([409, 'team_required']);
    // The hint replies carried hint texts (private): the scan below would catch them if public.
    expect(hintTexts).to.have.length(11);

    // Settled: every change published and installed, the boards as the base tables rank them, and
    // the hunts index (republished at most once a second) with both hunts' players.
    const huntIds: Record<string, string> = {};
    for (const slug of ['secrecy-solo', 'secrecy-team']) {
      huntIds[slug] = (await pool.query('select id from hunts where slug = $1', [slug])).rows[0].id;
    }
    await eventually(async () => {
      if (!await settled(pool, client)) return undefined;
      for (const [slug, huntId] of Object.entries(huntIds)) {
        const reference = await referenceRanking(pool, huntId);
        const board = await client.get(`/v1/hunts/${slug}/leaderboard?limit=100`);
        if (board.status !== 200 || !isDeepStrictEqual(board.body.entries, reference.entries)) return undefined;
      }
      const index = await client.get('/v1/hunts');
      const counts = Object.fromEntries((index.body?.hunts ?? []).map((h: { slug: string; playerCount: number }) => [h.slug, h.playerCount]));
      return counts['secrecy-solo'] === 4 && counts['secrecy-team'] === 3 ? true : undefined;
    }, 'both hunts published after play');

    // The hunt documents: locked clues show nothing but that they are locked; open ones their text.
    for (const [slug, book] of [['secrecy-solo', solo], ['secrecy-team', team]] as const) {
      const detail = await client.get(`/v1/hunts/${slug}`);
      expect(detail.status).to.equal(200);
      expect(detail.body.clues).to.have.length(6);
      for (const [i, clue] of book.clues.entries()) {
        const served = detail.body.clues[i];
        expect(served.position).to.equal(i + 1);
        expect({ locked: served.locked, title: served.title, body: served.body }, `${slug} clue ${i + 1}`).to.deep.equal(
          clue.locked ? { locked: true, title: null, body: null } : { locked: false, title: clue.title, body: clue.body });
        expect(served).to.not.have.property('answers');
        expect(served).to.not.have.property('hints');
        expect(served).to.not.have.property('unlock');
      }
      // Played: clue 3 was found (by ann, or by the Larks) and is still locked for the public.
      expect(detail.body.clues[2].solveCount, `${slug} clue 3 solved`).to.equal(1);
    }

    // Every public read.
    const reads: { what: string; text: string }[] = [];
    const read = async (path: string) => {
      const res = await client.get(path);
      expect(res.status, `${path}: ${res.text}`).to.be.oneOf([200, 404]);
      reads.push({ what: `GET ${path}`, text: res.text });
      return res;
    };
    await read('/v1/hunts');
    for (const slug of Object.keys(huntIds)) {
      await read(`/v1/hunts/${slug}`);
      for (const window of ['', '?limit=100', '?limit=1&offset=1', '?limit=2&offset=49']) await read(`/v1/hunts/${slug}/leaderboard${window}`);
      for (const player of players) {
        const progress = await read(`/v1/hunts/${slug}/players/${player.id}`);
        expect(progress.status, `progress of ${player.handle} in ${slug}`).to.equal(200);
      }
    }
    for (const teamId of [larks.body.id, wrens.body.id]) {
      const doc = await read(`/v1/hunts/secrecy-team/teams/${teamId}`);
      expect(doc.status, doc.text).to.equal(200);
    }
    // And every public snapshot row, of every format and version still stored.
    const { rows } = await pool.query<{ doc_key: string; kind: string; body: string | null }>(
      'select doc_key, kind, body from snapshot_documents where kind = any($1)', [PUBLIC_KINDS]);
    expect(rows.map((r) => r.kind)).to.include.members(PUBLIC_KINDS);
    for (const row of rows) reads.push({ what: `snapshot row ${row.doc_key} (${row.kind})`, text: `${row.doc_key}\n${row.body ?? ''}` });

    const secrets = [...solo.secrets, ...team.secrets];
    expect(secrets).to.have.length(2 * (4 * 2 + 7 + 6));
    const leaks = reads.flatMap(({ what, text }) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${what}: ${secret}`));
    expect(leaks, 'secrets in public reads').to.deep.equal([]);
    // The scan sees what it should: open clues' texts are there, and the hint replies held the hints.
    const everything = reads.map((r) => r.text).join('\n');
    for (const clue of [...solo.clues, ...team.clues].filter((c) => !c.locked)) {
      expect(everything).to.include(clue.title);
      expect(everything).to.include(clue.body);
    }
    for (const clue of [solo.clues[0]!, solo.clues[2]!, solo.clues[3]!, team.clues[2]!]) {
      for (const hint of clue.hints) expect(hintTexts.join('\n')).to.include(hint.text);
    }
  });
});
