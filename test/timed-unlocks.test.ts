// Clues that open on time: a clue whose only unlock condition is afterMinutes is locked for
// everyone (answers and hints 409 clue_locked, its title and body null in the public hunt) until
// its time comes, then public for everyone with no one's action: the worker's dirty sweep marks
// the hunt and republishes it. A clue that also waits on a find stays locked in public documents,
// and opens in the own view of a player who made that find.
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client, type Reply } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('timed unlocks', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('timed_unlocks');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test-timed-unlocks');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  const statusOf = (res: Reply) => [res.status, res.body?.error];
  type ClueView = { position: number; locked: boolean; title: string | null; body: string | null; solveCount: number };
  const clueView = (detail: { clues: ClueView[] }, position: number): ClueView => detail.clues.find((c) => c.position === position)!;

  it('opens a time-only clue for everyone when its minute has passed, and keeps a clue that also waits on a find locked', async () => {
    // Started 55 s ago: clues 2 and 3 come due about 5 s from now.
    const startsAt = new Date(Date.now() - 55_000);
    const opensAt = startsAt.getTime() + 60_000;
    const hunt = await createHunt(client, 'timed-open', [
      { title: 'Gate', body: 'By the gate', answers: ['gate'] },
      { title: 'Clock tower', body: 'When the bell rings', answers: ['bell'], unlock: { afterMinutes: 1 }, hints: [{ text: 'Look up at noon', cost: 2 }] },
      { title: 'Crypt', body: 'Below the tower', answers: ['crypt'], unlock: { afterMinutes: 1, afterClues: [1] } },
    ], { startsAt: startsAt.toISOString() });
    const [gate, tower, crypt] = hunt.clues.map((c) => c.id) as [string, string, string];
    const ann = await registerPlayer(client, 'timed_ann');
    const bob = await registerPlayer(client, 'timed_bob');

    // Before the time: locked in the public hunt, and for answers and hints.
    const before = await eventually(async () => {
      const res = await client.get('/v1/hunts/timed-open');
      return res.status === 200 ? res.body : undefined;
    }, 'hunt published');
    expect(clueView(before, 1)).to.include({ locked: false, title: 'Gate', body: 'By the gate' });
    for (const position of [2, 3]) expect(clueView(before, position)).to.include({ locked: true, title: null, body: null });
    expect(statusOf(await answer(client, 'timed-open', tower, ann.token, 'bell'))).to.deep.equal([409, 'clue_locked']);
    expect(statusOf(await client.post(`/v1/hunts/timed-open/clues/${tower}/hints/1`, undefined, { token: ann.token })))
      .to.deep.equal([409, 'clue_locked']);
    // ann finds clue 1 now: clue 3 waits on it and on the time.
    expect((await answer(client, 'timed-open', gate, ann.token, 'gate')).body.correct).to.equal(true);
    expect(statusOf(await answer(client, 'timed-open', crypt, ann.token, 'crypt'))).to.deep.equal([409, 'clue_locked']);
    // All of that happened before the time came (else this test proves nothing: the machine was too slow).
    expect(Date.now(), 'checks made before the clues came due').to.be.below(opensAt);
    const { rows: [{ writes }] } = await pool.query(
      'select count(*)::int as writes from submissions where clue_id = any($1)', [[tower, crypt]]);
    expect(writes, 'refused answers write nothing').to.equal(0);
    // ann's own view, read now (and kept serialized between reads), shows clue 3 locked.
    const ownStates = async (token: string) => (await client.get('/v1/me/hunts/timed-open', { token })).body.clues
      .map((c: { state: string }) => c.state) as string[];
    expect(await ownStates(ann.token)).to.deep.equal(['found', 'locked', 'locked']);
    expect(Date.now(), 'own view read before the clues came due').to.be.below(opensAt);

    // The time comes: the public hunt shows clue 2, with no one's action.
    const opened = await eventually(async () => {
      const res = await client.get('/v1/hunts/timed-open');
      return clueView(res.body, 2).locked === false ? res.body : undefined;
    }, 'clue 2 opened in the public hunt', 25_000);
    expect(Date.now()).to.be.at.least(opensAt);
    expect(opened.version).to.be.greaterThan(before.version);
    expect(clueView(opened, 2)).to.include({ locked: false, title: 'Clock tower', body: 'When the bell rings' });
    // Clue 3 also waits on a find: locked for the public, whoever found clue 1.
    expect(clueView(opened, 3)).to.include({ locked: true, title: null, body: null });
    // The hint's text is still no public document's.
    expect(JSON.stringify(opened)).to.not.include('Look up at noon');
    // ann's own view opens clues 2 and 3 on time by itself (ann's documents did not change); bob's opens only clue 2.
    expect(await ownStates(ann.token)).to.deep.equal(['found', 'open', 'open']);
    expect(await ownStates(bob.token)).to.deep.equal(['open', 'open', 'locked']);

    // Answers and hints to clue 2 are taken now, from anyone; clue 3 opens for ann alone.
    expect((await answer(client, 'timed-open', tower, bob.token, 'bell')).body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    const hint = await client.post(`/v1/hunts/timed-open/clues/${tower}/hints/1`, undefined, { token: ann.token });
    expect([hint.status, hint.body]).to.deep.equal([200, { n: 1, text: 'Look up at noon', cost: 2, points: 8 }]);
    expect(statusOf(await answer(client, 'timed-open', crypt, bob.token, 'crypt'))).to.deep.equal([409, 'clue_locked']);
    expect((await answer(client, 'timed-open', crypt, ann.token, 'crypt')).body.correct).to.equal(true);

    // Republished with those finds: clue 3 is solved, and still locked for the public.
    const later = await eventually(async () => {
      const res = await client.get('/v1/hunts/timed-open');
      return clueView(res.body, 3).solveCount === 1 && clueView(res.body, 2).solveCount === 1 ? res.body : undefined;
    }, 'finds of clues 2 and 3 published');
    expect(clueView(later, 2)).to.include({ locked: false, title: 'Clock tower', body: 'When the bell rings' });
    expect(clueView(later, 3)).to.include({ locked: true, title: null, body: null });
    expect(JSON.stringify(later)).to.not.include('Crypt');
    expect(JSON.stringify(later)).to.not.include('Below the tower');
    const { rows } = await pool.query<{ body: string }>(
      `select body from snapshot_documents where kind in ('hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress', 'team') and body is not null`);
    for (const row of rows) {
      expect(row.body).to.not.include('Below the tower');
      expect(row.body).to.not.include('Look up at noon');
    }
  });
});
