// How answers reach the database: those that arrive together are written as one batch (one
// statement, one commit), each with its own result, a refused one changing nothing and a failing
// one failing alone; and the statements stay key lookups whatever the tables held when their plans
// were cached.
import { expect } from 'chai';
import pg from 'pg';
import { createAnswerHasher } from '../src/core/answer-hash.ts';
import { createLogger } from '../src/core/logger.ts';
import { ApiError } from '../src/api/api-error.ts';
import { AnswerWriter, type AnswerInput, type BatchOptions, type SubmittedAnswer } from '../src/api/answer-submission.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ANSWER_HASH_KEY, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const ANSWER_TABLES = ['submissions', 'guess_limits', 'rate_windows', 'finds', 'competitors'];

describe('answer writes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('answer_writes');
    // No worker: its reads of these tables would blur what the answers themselves scan.
    engine = await startEngine(db.url, { worker: false });
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  async function tableStats() {
    const { rows } = await pool.query<{ relname: string; seq_scan: string; n_tup_ins: string }>(
      'select relname, seq_scan, n_tup_ins from pg_stat_user_tables where relname = any($1)', [ANSWER_TABLES]);
    return Object.fromEntries(rows.map((r) => [r.relname, { seqScans: Number(r.seq_scan), inserted: Number(r.n_tup_ins) }]));
  }

  it('looks rows up by key even in tables that were empty when the plans were cached', async () => {
    // Every table answers write to is empty and analyzed as such (as after `npm run seed` or any
    // vacuum): PostgreSQL then caches a sequential scan as the cheapest plan and keeps it while
    // the table grows with every answer, until autovacuum's next analyze (up to a minute or more).
    await pool.query(`vacuum analyze ${ANSWER_TABLES.join(', ')}`);
    const hunt = await createHunt(client, 'fresh-tables', [{ answers: ['alpha'] }, { answers: ['beta'] }]);
    const players = await Promise.all(['ann', 'bob', 'cyd'].map((h) => registerPlayer(client, `${h}_writes`)));
    const before = await tableStats();
    let sent = 0;
    for (let round = 0; round < 4; round++) {
      for (const player of players) {
        for (const clue of hunt.clues) {
          const guess = round === 3 ? (clue.position === 1 ? 'alpha' : 'beta') : `wrong ${round}`;
          expect((await answer(client, 'fresh-tables', clue.id, player.token, guess)).status).to.equal(200);
          sent++;
        }
      }
    }
    // The API's connections report their statistics shortly after they go idle.
    const after = await eventually(async () => {
      const stats = await tableStats();
      return stats.submissions!.inserted - before.submissions!.inserted >= sent ? stats : undefined;
    }, 'the answers in pg_stat_user_tables');
    for (const table of ANSWER_TABLES) {
      expect(after[table]!.seqScans - before[table]!.seqScans, `sequential scans of ${table}`).to.equal(0);
    }
  });

  describe('batches', () => {
    const limits = { freeWrongPerClue: 1, backoffBaseSeconds: 60, backoffMaxSeconds: 60, maxPerMinute: 1_000_000 };
    let hunt: { slug: string; clues: { id: string; position: number }[] };
    let players: { id: string; handle: string; token: string }[];

    before(async () => {
      hunt = await createHunt(client, 'batched', [{ answers: ['one'], points: 10 }, { answers: ['two'], points: 20 }]);
      players = await Promise.all(Array.from({ length: 6 }, (_, i) => registerPlayer(client, `batch_${i}`)));
    });

    /** A writer of its own (one batch at a time), and the size of every batch it wrote. */
    function writer(batches: BatchOptions = { maxBatch: 64, maxInFlight: 1 }) {
      const sizes: number[] = [];
      const answers = new AnswerWriter({
        pool, hasher: createAnswerHasher(ANSWER_HASH_KEY), limits, log: createLogger('test', 'silent'),
        onBatch: (size) => sizes.push(size), batches,
      });
      return { answers, sizes };
    }
    const input = (player: number, clue: number, answer: string, slug = 'batched'): AnswerInput =>
      ({ slug, clueId: hunt.clues[clue]!.id, playerId: players[player]!.id, handle: players[player]!.handle, answer });
    const outcome = (p: Promise<SubmittedAnswer>) => p.then((a) => a.result, (err: unknown) =>
      (err instanceof ApiError ? { status: err.status, error: err.code } : { failed: (err as Error).message }));

    it('writes answers that arrive while one is being written as one batch, each with its own result', async () => {
      const { answers, sizes } = writer();
      // The first goes at once, alone; the rest arrive while it is written and go together.
      const results = await Promise.all([
        input(0, 0, 'one'), input(1, 0, 'one'), input(2, 1, 'nope'), input(3, 1, 'two'), input(1, 0, 'One!'),
        input(4, 0, 'guess'), input(4, 0, 'guess'),
      ].map((a) => outcome(answers.submit(a))));
      expect(sizes).to.deep.equal([1, 6]);
      expect(results).to.deep.equal([
        { correct: true, alreadyFound: false, points: 10 },
        { correct: true, alreadyFound: false, points: 10 },
        { correct: false, alreadyFound: false, points: 0 },
        { correct: true, alreadyFound: false, points: 20 },
        // The same player's second right answer in the batch sees the first.
        { correct: true, alreadyFound: true, points: 0 },
        { correct: false, alreadyFound: false, points: 0 },
        // A repeated guess in the same batch is answered as before and costs nothing.
        { correct: false, alreadyFound: false, points: 0 },
      ]);
      const { rows } = await pool.query<{ player_id: string; points: number }>(
        'select f.player_id, f.points from finds f join hunts h on h.id = f.hunt_id where h.slug = $1 order by f.points, f.player_id', ['batched']);
      expect(rows.map((r) => [r.player_id, r.points])).to.have.deep.members([[players[0]!.id, 10], [players[1]!.id, 10], [players[3]!.id, 20]]);
      const wrong = await pool.query<{ wrong_guesses: number }>('select wrong_guesses from guess_limits where player_id = $1', [players[4]!.id]);
      expect(wrong.rows.map((r) => r.wrong_guesses)).to.deep.equal([1]);
    });

    it('refuses an answer of a batch without undoing the others, and the refused one changes nothing', async () => {
      const { answers, sizes } = writer();
      const minute = async () => Number((await pool.query<{ hits: number }>(
        `select hits from rate_windows where scope = 'guess' and key = $1`, [players[5]!.id])).rows[0]?.hits ?? 0);
      // Player 5 is past the free wrong guess of clue 2: the next wrong one starts a back-off.
      expect(await outcome(answers.submit(input(5, 1, 'first')))).to.deep.equal({ correct: false, alreadyFound: false, points: 0 });
      expect(await outcome(answers.submit(input(5, 1, 'second')))).to.deep.equal({ correct: false, alreadyFound: false, points: 0 });
      const counted = await minute();
      sizes.length = 0;
      const results = await Promise.all([
        answers.submit(input(2, 0, 'one')),
        answers.submit(input(5, 1, 'third')),
        answers.submit({ ...input(2, 1, 'two'), clueId: '00000000-0000-4000-8000-000000000000' }),
        answers.submit(input(2, 1, 'two', 'no-such-hunt')),
        answers.submit(input(5, 0, 'one')),
      ].map(outcome));
      expect(sizes).to.deep.equal([1, 4]);
      expect(results).to.deep.equal([
        { correct: true, alreadyFound: false, points: 10 },
        { status: 429, error: 'rate_limited' },
        { status: 404, error: 'not_found' },
        { status: 404, error: 'not_found' },
        { correct: true, alreadyFound: false, points: 10 },
      ]);
      // The refused guess was not recorded, nor counted in the player's minute (the find was).
      const guesses = await pool.query('select 1 from submissions where player_id = $1 and clue_id = $2', [players[5]!.id, hunt.clues[1]!.id]);
      expect(guesses.rowCount).to.equal(2);
      expect(await minute()).to.equal(counted + 1);
    });

    it('writes each answer of a failing batch again on its own, so only the one at fault fails', async () => {
      const { answers, sizes } = writer();
      const ghost = { slug: 'batched', clueId: hunt.clues[1]!.id, playerId: '00000000-0000-4000-8000-00000000dead', handle: 'ghost', answer: 'two' };
      const results = await Promise.all([
        answers.submit(input(0, 1, 'two')),
        answers.submit(input(1, 1, 'two')),
        // A player that no longer exists: the foreign key fails the whole statement.
        answers.submit(ghost),
        answers.submit(input(3, 0, 'one')),
      ].map(outcome));
      expect(sizes).to.deep.equal([1, 1, 1]);
      expect(results[0]).to.deep.equal({ correct: true, alreadyFound: false, points: 20 });
      expect(results[1]).to.deep.equal({ correct: true, alreadyFound: false, points: 20 });
      expect(results[2]).to.have.property('failed').that.matches(/foreign key/);
      expect(results[3]).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
      const { rows } = await pool.query<{ player_id: string }>('select player_id from finds where found_at > now() - interval \'1 minute\' and clue_id = $1', [hunt.clues[1]!.id]);
      expect(rows.map((r) => r.player_id)).to.include.members([players[0]!.id, players[1]!.id]).and.not.include(ghost.playerId);
    });
  });
});
