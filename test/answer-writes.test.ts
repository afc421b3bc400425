// How an answer reaches the database: the statements it runs stay key lookups from the first
// answer of a new hunt on, whatever the tables held when their plans were cached.
import { expect } from 'chai';
import pg from 'pg';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const ANSWER_TABLES = ['submissions', 'guess_limits', 'rate_windows', 'finds', 'hunt_participants'];

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
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
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
});
