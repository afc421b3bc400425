// Concurrent answers of one player to one clue, raced many times on separate connections: exactly
// one of them is the find (alreadyFound false, the clue's points), every other is told
// alreadyFound with 0 points, and the database holds one find and one score event. A race here
// once answered two of 25 duplicates with alreadyFound: false (statements of one answer saw
// different snapshots under READ COMMITTED), so this runs it often enough to catch that again.
import { expect } from 'chai';
import pg from 'pg';
import { createAnswerHasher, NORMALIZATION_VERSION, normalizeAnswer } from '../src/core/answer-hash.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ANSWER_HASH_KEY, startEngine, type Engine } from './support/engine.ts';
import { createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const ROUNDS = 40;
const RACERS = 8;

interface Reply { correct: boolean; already_found: boolean; points: number; refused: string | null }

describe('answer races', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('answer_races');
    engine = await startEngine(db.url, { worker: false });
    client = new Client(engine.url);
    // One connection per racer, so their statements really interleave in PostgreSQL.
    pool = createPool(db.url, RACERS, 'test-races');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  it(`tells exactly one of ${RACERS} simultaneous correct answers that it found the clue, ${ROUNDS} times over`, async () => {
    const hasher = createAnswerHasher(ANSWER_HASH_KEY);
    const hunt = await createHunt(client, 'race-often', Array.from({ length: ROUNDS }, (_, i) => ({ answers: [`word ${i}`], points: 7 })));
    const player = await registerPlayer(client, 'racer_often');
    // Warm every connection (a prepared plan, an open session) so the racers start together.
    await Promise.all(Array.from({ length: RACERS }, () => pool.query('select 1')));
    const misreported: string[] = [];
    for (const [round, clue] of hunt.clues.entries()) {
      const guess = hasher.hash(normalizeAnswer(`word ${round}`));
      const replies = await Promise.all(Array.from({ length: RACERS }, async () => {
        const { rows } = await pool.query<Reply>(
          'select * from submit_answers($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
          [['race-often'], [clue.id], [player.id], [player.handle], [guess], hasher.keyId, NORMALIZATION_VERSION, 1000, 2, 300, 100_000, 10_000]);
        return rows[0]!;
      }));
      const finds = replies.filter((r) => r.correct && !r.already_found);
      if (finds.length !== 1 || finds[0]!.points !== 7 || replies.some((r) => r.already_found && r.points !== 0)) {
        misreported.push(`round ${round}: ${JSON.stringify(replies)}`);
      }
    }
    expect(misreported, misreported.join('\n')).to.deep.equal([]);
    const { rows: [counts] } = await pool.query(
      `select (select count(*) from finds where player_id = $1)::int as finds,
              (select count(*) from score_events where player_id = $1)::int as events,
              (select coalesce(sum(points), 0) from score_ledger where player_id = $1)::int as points`, [player.id]);
    // A find is its own ledger entry: no score event repeats it.
    expect(counts).to.deep.equal({ finds: ROUNDS, events: 0, points: ROUNDS * 7 });
  });

  it('answers every duplicate through HTTP as alreadyFound but one, across batches written at once', async () => {
    const hunt = await createHunt(client, 'race-http', Array.from({ length: 10 }, (_, i) => ({ answers: [`key ${i}`], points: 5 })));
    const player = await registerPlayer(client, 'racer_http');
    for (const [round, clue] of hunt.clues.entries()) {
      const replies = await Promise.all(Array.from({ length: 25 }, (_, i) =>
        client.post(`/v1/hunts/race-http/clues/${clue.id}/answers`, { answer: i % 2 ? `KEY ${round}` : `key ${round}!` }, { token: player.token })));
      expect(replies.map((r) => r.status), `round ${round}`).to.deep.equal(replies.map(() => 200));
      expect(replies.filter((r) => !r.body.alreadyFound), `round ${round}`).to.have.length(1);
      expect(replies.reduce((sum, r) => sum + r.body.points, 0), `round ${round}`).to.equal(5);
    }
  });
});
