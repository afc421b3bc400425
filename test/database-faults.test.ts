// The database refuses (its backends terminated, then ALLOW_CONNECTIONS false: SQLSTATE 57P01,
// then 55000) or hangs (an ACCESS EXCLUSIVE lock held on an answer table, a hunt row held by
// another transaction): clients get 503 unavailable with Retry-After, never 500; what is held in
// memory keeps being served; an answer told 503 leaves no trace; admin writes give up on locks.
// Runs on this test file's own database, on whichever server the run uses.
import { expect } from 'chai';
import pg from 'pg';
import { createAnswerHasher } from '../src/core/answer-hash.ts';
import { createLogger } from '../src/core/logger.ts';
import { createPool } from '../src/core/db.ts';
import { DatabaseUnavailableError, UniqueViolationError, toDatabaseError } from '../src/core/database-errors.ts';
import { ApiError } from '../src/api/api-error.ts';
import { AnswerWriter, type SubmittedAnswer } from '../src/api/answer-submission.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from './support/test-databases.ts';

const ANSWER_TIMEOUT_MS = 1500;

describe('database faults', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('database_faults');
    engine = await startEngine(db.url, { config: { answerTimeoutMs: ANSWER_TIMEOUT_MS, answerQueueMax: 4 } });
    client = new Client(engine.url);
    pool = createPool(db.url, 4, 'test-faults');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  /** A connection of the test's own holding `lockSql` in an open transaction until released. */
  async function holdLock(lockSql: string, params: unknown[] = []) {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query(lockSql, params);
    return { release: async () => { await holder.query('rollback'); await holder.end(); } };
  }

  it('types driver errors once: SQLSTATE, constraint and statement survive, unavailability is recognised by code', async () => {
    await pool.query(`insert into players (handle, display_name, token_hash) values ('typed_one', 'x', '\\x01')`);
    const duplicate = await pool.query({ name: 'insert-player-twice', text: `insert into players (handle, display_name, token_hash) values ('TYPED_ONE', 'x', '\\x02')` })
      .catch((err: unknown) => err);
    expect(duplicate).to.be.instanceOf(UniqueViolationError);
    expect(duplicate).to.include({ sqlstate: '23505', constraint: 'players_handle_key', statement: 'insert-player-twice' });
    // A refused connection (nothing listens on port 1) is unavailability, whatever its message says.
    const refused = createPool('postgres://postgres@127.0.0.1:1/none', 1, 'test-refused');
    const err = await refused.query('select 1').catch((e: unknown) => e);
    await refused.end();
    expect(err).to.be.instanceOf(DatabaseUnavailableError);
    // Not ours: passed through untouched.
    const bug = new TypeError('a bug');
    expect(toDatabaseError(bug)).to.equal(bug);
  });

  it('answers 503 with Retry-After while the database refuses connections, serves recent progress from memory, and recovers', async () => {
    const hunt = await createHunt(client, 'refusing-hunt', [{ answers: ['lantern'] }, { answers: ['compass'] }]);
    const player = await registerPlayer(client, 'refused_one');
    // The player answers and never reads their progress before the outage.
    expect((await answer(client, 'refusing-hunt', hunt.clues[0]!.id, player.token, 'lantern')).body.correct).to.equal(true);
    await eventually(async () => (await settled(pool, client) ? true : undefined), 'the find published');

    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    try {
      await admin.query(`alter database ${db.name} allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db.name]);
      await eventually(async () => ((await client.get('/readyz')).body.database === 'down' ? true : undefined), 'the API noticing');

      const progress = await client.get(`/v1/hunts/refusing-hunt/players/${player.id}`);
      expect(progress.status, progress.text).to.equal(200);
      expect(progress.headers.get('x-snapshot-stale')).to.equal('true');
      expect(progress.body).to.include({ points: 10, cluesFound: 1 });

      const refusals = [
        await answer(client, 'refusing-hunt', hunt.clues[1]!.id, player.token, 'compass'),
        await client.post('/v1/players', { handle: 'too_late' }),
        await client.patch('/v1/admin/hunts/refusing-hunt', { status: 'ended' }, { token: ADMIN_TOKEN }),
        // A player id this process never saw: the lookup fails, the answer is 503, not 500.
        await client.get('/v1/hunts/refusing-hunt/players/00000000-0000-4000-8000-000000000001'),
      ];
      for (const res of refusals) {
        expect(res.status, res.text).to.equal(503);
        expect(res.body.error).to.equal('unavailable');
        expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
      }
    } finally {
      await admin.query(`alter database ${db.name} allow_connections true`);
      await admin.end();
    }
    const recovered = await eventually(async () => {
      const res = await answer(client, 'refusing-hunt', hunt.clues[1]!.id, player.token, 'compass');
      return res.status === 200 ? res : undefined;
    }, 'answers accepted again');
    expect(recovered.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
  });

  it('answers 503 within ANSWER_TIMEOUT_MS while an answer table is locked, writes none of those answers, and keeps serving reads', async () => {
    const hunt = await createHunt(client, 'hanging-hunt', [{ answers: ['rope'] }]);
    const players = await Promise.all(['hang_a', 'hang_b', 'hang_c'].map((h) => registerPlayer(client, h)));
    await eventually(async () => ((await client.get('/v1/hunts/hanging-hunt')).status === 200 ? true : undefined), 'hunt published');
    const lock = await holdLock('lock table submissions in access exclusive mode');
    let replies;
    try {
      const started = performance.now();
      replies = await Promise.all(players.map((p, i) => answer(client, 'hanging-hunt', hunt.clues[0]!.id, p.token, i === 0 ? 'rope' : 'wrong')));
      const elapsed = performance.now() - started;
      expect(elapsed).to.be.lessThan(ANSWER_TIMEOUT_MS + 1000);
      // Reads never wait for the database.
      expect((await client.get('/v1/hunts/hanging-hunt')).status).to.equal(200);
      expect((await client.get('/v1/hunts/hanging-hunt/leaderboard')).status).to.equal(200);
    } finally {
      await lock.release();
    }
    for (const res of replies) {
      expect(res.status, res.text).to.equal(503);
      expect(res.body.error).to.equal('unavailable');
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
    }
    const { rows: [trace] } = await pool.query(
      `select (select count(*) from submissions where hunt_id = h.id)::int as submissions,
              (select count(*) from finds where hunt_id = h.id)::int as finds,
              (select count(*) from competitors where hunt_id = h.id)::int as participants
         from hunts h where slug = 'hanging-hunt'`);
    expect(trace).to.deep.equal({ submissions: 0, finds: 0, participants: 0 });
    // Sending it again is safe, and now it is recorded.
    expect((await answer(client, 'hanging-hunt', hunt.clues[0]!.id, players[0]!.token, 'rope')).body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
  });

  it('refuses answers past ANSWER_QUEUE_MAX at once instead of queueing them', async () => {
    const hunt = await createHunt(client, 'queue-hunt', [{ answers: ['full'] }]);
    const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(client, `queue_${i}`)));
    const lock = await holdLock('lock table submissions in access exclusive mode');
    let replies;
    try {
      replies = await Promise.all(players.map(async (p) => {
        const started = performance.now();
        const res = await answer(client, 'queue-hunt', hunt.clues[0]!.id, p.token, 'full');
        return { res, ms: performance.now() - started };
      }));
    } finally {
      await lock.release();
    }
    expect(replies.every(({ res }) => res.status === 503)).to.equal(true);
    // Two batches in flight and four waiting: the others are refused without waiting for a deadline.
    const immediate = replies.filter(({ ms }) => ms < ANSWER_TIMEOUT_MS / 2);
    expect(immediate.length).to.be.greaterThanOrEqual(players.length - 6);
    expect(immediate[0]!.res.body.message).to.match(/too many answers/);
  });

  it('retries the answers of a timed-out batch alone, so only the one whose row is locked fails', async () => {
    const hunt = await createHunt(client, 'batch-hunt', [{ answers: ['right'] }, { answers: ['other'] }]);
    const [blocker, stuck, free] = await Promise.all(['batch_x', 'batch_a', 'batch_b'].map((h) => registerPlayer(client, h)));
    // One wrong guess each, so each has a guess_limits row the test can lock.
    for (const p of [blocker!, stuck!]) await answer(client, 'batch-hunt', hunt.clues[0]!.id, p.token, 'nope');
    const writerPool = createPool(db.url, 2, 'test-writer');
    const writer = new AnswerWriter({
      pool: writerPool, hasher: createAnswerHasher(ANSWER_HASH_KEY), log: createLogger('test', 'silent'),
      limits: { freeWrongPerClue: 1000, backoffBaseSeconds: 1, backoffMaxSeconds: 1, maxPerMinute: 1000 },
      batches: { maxBatch: 64, maxInFlight: 1 }, deadlines: { timeoutMs: 3000, queueMax: 100 },
    });
    const rowLock = (playerId: string) => holdLock('select 1 from guess_limits where player_id = $1 for update', [playerId]);
    const submit = (p: { id: string; handle: string }, text: string) => writer.submit({
      slug: 'batch-hunt', clueId: hunt.clues[0]!.id, playerId: p.id, handle: p.handle, answer: text,
    }).then((r: SubmittedAnswer) => r.result, (err: unknown) => err);
    const blockerLock = await rowLock(blocker!.id);
    const stuckLock = await rowLock(stuck!.id);
    try {
      // The blocker holds the only batch slot; the stuck answer and, later, the free one queue up
      // and go together once the blocker is through.
      const first = submit(blocker!, 'wrong again');
      const second = submit(stuck!, 'wrong again');
      await new Promise((r) => setTimeout(r, 1200));
      const third = submit(free!, 'right');
      await new Promise((r) => setTimeout(r, 100));
      await blockerLock.release();
      expect(await first).to.deep.equal({ correct: false, alreadyFound: false, points: 0 });
      // The batch [stuck, free] waits on the stuck row until the stuck answer's deadline, then each
      // goes alone: the stuck one is out of time, the free one is recorded within its own.
      const stuckResult = await second;
      expect(stuckResult).to.be.instanceOf(ApiError);
      expect((stuckResult as ApiError).status).to.equal(503);
      expect(await third).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    } finally {
      await stuckLock.release();
      await writerPool.end();
    }
    const { rows } = await pool.query('select player_id from submissions where guess_hash is not null and hunt_id = (select id from hunts where slug = $1) and correct', ['batch-hunt']);
    expect(rows.map((r) => r.player_id)).to.deep.equal([free!.id]);
  });

  it('ends a hunt taking answers all the time without waiting for them, and answers 503 to an admin write that cannot get its lock', async () => {
    const hunt = await createHunt(client, 'busy-hunt', Array.from({ length: 20 }, (_, i) => ({ answers: [`w${i}`] })));
    const players = await Promise.all(Array.from({ length: 10 }, (_, i) => registerPlayer(client, `busy_${i}`)));
    let stop = false;
    let sent = 0;
    const load = Promise.all(players.map(async (p, i) => {
      // About 500 answers a second in all, wrong ones, so they never run out.
      for (let n = 0; !stop; n++) {
        await answer(client, 'busy-hunt', hunt.clues[(i + n) % 20]!.id, p.token, `guess ${n}`);
        sent++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }));
    await eventually(() => (sent > 200 ? true : undefined), 'answers flowing');
    const started = performance.now();
    const ended = await client.patch('/v1/admin/hunts/busy-hunt', { status: 'ended' }, { token: ADMIN_TOKEN });
    const elapsed = performance.now() - started;
    stop = true;
    await load;
    expect(ended.status, ended.text).to.equal(200);
    expect(elapsed).to.be.lessThan(2000);

    const lock = await holdLock(`select 1 from hunts where slug = 'busy-hunt' for update`);
    try {
      const refused = await client.patch('/v1/admin/hunts/busy-hunt', { status: 'live' }, { token: ADMIN_TOKEN });
      expect(refused.status, refused.text).to.equal(503);
      expect(refused.body.error).to.equal('unavailable');
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    } finally {
      await lock.release();
    }
    expect((await pool.query(`select status from hunts where slug = 'busy-hunt'`)).rows[0].status).to.equal('ended');
  });
});
