// Secrets never leave the database: accepted answers and guesses exist only as keyed hashes,
// tokens only as SHA-256, and neither appears in any response, snapshot row or log line.
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { captureStderr, type StderrCapture } from './support/stderr-capture.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const ANSWERS = ['Zebra Crossing 7731', 'Quokka-Lantern-5512'];
const WRONG_GUESS = 'Marmalade Submarine 9048';
const needles = (text: string) => [text, text.toLowerCase(), text.toLowerCase().replace(/[^a-z0-9]/g, '')];

describe('secrets', () => {
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let stderr: StderrCapture;

  before(async () => {
    // Capture every log line the engine writes, at the most verbose level.
    stderr = captureStderr();
    db = await createTestDatabase('secrets');
    engine = await startEngine(db.url, { config: { logLevel: 'debug' } });
    client = new Client(engine.url);
  });

  after(async () => {
    stderr.restore();
    await engine?.stop();
    await db?.drop();
  });

  it('keeps answers and tokens out of every response, snapshot row, table and log line', async () => {
    const hunt = await createHunt(client, 'secret-hunt', ANSWERS.map((a, i) => ({ answers: [a], points: 10 + i })));
    const players = await Promise.all(['keeper_a', 'keeper_b', 'keeper_c'].map((h) => registerPlayer(client, h)));
    const responses: string[] = [];
    for (const [i, p] of players.entries()) {
      responses.push((await answer(client, 'secret-hunt', hunt.clues[0]!.id, p.token, WRONG_GUESS)).text);
      responses.push((await answer(client, 'secret-hunt', hunt.clues[i % 2]!.id, p.token, ANSWERS[i % 2]!)).text);
    }
    await eventually(async () => ((await client.get('/v1/hunts/secret-hunt/leaderboard')).body?.total === 3 ? true : undefined), 'published');

    // Every public read.
    for (const path of ['/v1/hunts', '/v1/hunts/secret-hunt', '/v1/hunts/secret-hunt/leaderboard', '/v1/hunts/secret-hunt/leaderboard?limit=2&offset=1',
      ...players.map((p) => `/v1/hunts/secret-hunt/players/${p.id}`), '/metrics', '/readyz']) {
      const res = await client.get(path);
      expect(res.status, path).to.equal(200);
      responses.push(res.text);
    }

    const pool = createPool(db.url, 2, 'test');
    try {
      const snapshotRows = (await pool.query('select doc_key, body from snapshot_documents')).rows.map((r) => `${r.doc_key} ${r.body}`);
      // Every row of every table of ours, as text.
      const tables = (await pool.query(`select tablename from pg_tables where schemaname = 'public'`)).rows.map((r) => r.tablename as string);
      const tableDump: string[] = [];
      for (const table of tables) {
        const { rows } = await pool.query(`select row_to_json(t)::text as row from "${table}" t`);
        tableDump.push(...rows.map((r) => r.row as string));
      }
      const haystacks = { responses, snapshotRows, tableDump, logLines: stderr.lines };
      for (const [where, texts] of Object.entries(haystacks)) {
        const all = texts.join('\n');
        const lower = all.toLowerCase();
        for (const secret of [...ANSWERS, WRONG_GUESS]) {
          for (const needle of needles(secret)) expect(lower.includes(needle.toLowerCase()), `"${needle}" in ${where}`).to.equal(false);
        }
        for (const p of players) expect(all.includes(p.token), `a token in ${where}`).to.equal(false);
      }
      expect(stderr.lines.length, 'the engine logged something at debug level').to.be.greaterThan(0);
      expect(tableDump.length).to.be.greaterThan(10);
    } finally {
      await pool.end();
    }
  });
});
