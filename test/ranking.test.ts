// Ranking rules: points, then the time of the latest score event, shared ranks (1-2-2-4) listed by
// handle; and the served documents equal a ranking computed independently from the base tables.
import { expect } from 'chai';
import pg from 'pg';
import { createAnswerHasher } from '../src/core/answer-hash.ts';
import { markHuntDirty } from '../src/core/dirty.ts';
import { generateData } from '../src/seed/generate-data.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ANSWER_HASH_KEY, eventually, startEngine, type Engine } from './support/engine.ts';
import { createHunt } from './support/fixtures.ts';
import { referenceRanking } from './support/reference-ranking.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

async function fullLeaderboard(client: Client, slug: string) {
  const entries = [];
  let version: number | undefined;
  for (let offset = 0; ; offset += 100) {
    const res = await client.get(`/v1/hunts/${slug}/leaderboard?limit=100&offset=${offset}`);
    expect(res.status).to.equal(200);
    version ??= res.body.version;
    expect(res.body.version, 'all pages from one version').to.equal(version);
    entries.push(...res.body.entries);
    if (entries.length >= res.body.total) return { entries, total: res.body.total as number, version: version! };
  }
}

describe('ranking', () => {
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('ranking');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 3, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  it('shares ranks on equal points and equal last-find time (1-2-2-4), listing ties by handle', async () => {
    const hunt = await createHunt(client, 'tie-break', [{ answers: ['a'], points: 10 }, { answers: ['b'], points: 20 }]);
    const huntId = (await pool.query('select id from hunts where slug = $1', ['tie-break'])).rows[0].id as string;
    const [c10, c20] = hunt.clues.map((c) => c.id);
    const t = (s: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, s, 250));
    // handle -> finds as [clue, second]
    const crafted: Record<string, { finds: [string, number][]; hidden?: boolean }> = {
      leader: { finds: [[c10!, 1], [c20!, 5]] },     // 30 points
      zeta: { finds: [[c20!, 10]] },                  // 20 points at :10
      alpha: { finds: [[c20!, 10]] },                 // 20 points at :10, ties with zeta, listed first
      late: { finds: [[c20!, 20]] },                  // 20 points at :20
      small: { finds: [[c10!, 2]] },                  // 10 points
      ghost: { finds: [[c20!, 0], [c10!, 0]], hidden: true },
      idle: { finds: [] },                            // participant without a find
    };
    const client2 = await pool.connect();
    try {
      await client2.query('begin');
      for (const [handle, spec] of Object.entries(crafted)) {
        const { rows: [player] } = await client2.query(
          `insert into players (handle, display_name, token_hash) values ($1, $1, sha256(convert_to($1, 'UTF8'))) returning id`, [handle]);
        await client2.query('insert into competitors (hunt_id, competitor_id, name, hidden) values ($1, $2, $3, $4)', [huntId, player.id, handle, spec.hidden ?? false]);
        for (const [clueId, second] of spec.finds) {
          const points = clueId === c10 ? 10 : 20;
          await client2.query('insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at) values ($1, $2, $3, $1, $4, $5)', [player.id, clueId, huntId, points, t(second)]);
        }
      }
      await markHuntDirty(client2, huntId);
      await client2.query('commit');
    } finally {
      client2.release();
    }

    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/tie-break/leaderboard');
      return res.body?.total === 5 ? res.body : undefined;
    }, 'crafted standings published');
    expect(board.entries.map((e: { rank: number; handle: string; points: number }) => [e.rank, e.handle, e.points])).to.deep.equal([
      [1, 'leader', 30], [2, 'alpha', 20], [2, 'zeta', 20], [4, 'late', 20], [5, 'small', 10],
    ]);
    expect(board.entries[1].lastFindAt).to.equal('2026-11-01T12:00:10.250Z');

    const detail = (await client.get('/v1/hunts/tie-break')).body;
    // The hidden player found both clues first, but is not shown as first finder.
    expect(detail.clues[1].firstFinder.handle).to.equal('leader');
    expect(detail.clues[1].solveCount).to.equal(4);
    expect(detail.playerCount).to.equal(6);

    const ghostId = (await pool.query(`select id from players where handle = 'ghost'`)).rows[0].id;
    // A hidden participant's progress is withdrawn from public reads.
    const ghost = await client.get(`/v1/hunts/tie-break/players/${ghostId}`);
    expect(ghost.status).to.equal(404);
    expect(ghost.body.error).to.equal('not_found');
  });

  it('serves leaderboards and progress equal, entry for entry, to the ranking computed from the base tables', async () => {
    const seeded = await generateData(pool as never, createAnswerHasher(ANSWER_HASH_KEY), {
      hunts: 2, players: 240, finds: 2400, seed: 7, cluesPerHunt: 12, prefix: 'rank', knownTokens: false, withSubmissions: true,
    });
    for (const huntId of seeded.huntIds) {
      const slug = (await pool.query('select slug from hunts where id = $1', [huntId])).rows[0].slug as string;
      const reference = await referenceRanking(pool, huntId);
      expect(reference.entries.length).to.be.greaterThan(100);
      const served = await eventually(async () => {
        const board = await fullLeaderboard(client, slug).catch(() => undefined);
        return board && board.total === reference.entries.length ? board : undefined;
      }, `seeded hunt ${slug} published`);
      expect(served.entries).to.deep.equal(reference.entries);
      // Windows that start inside a stored page and end in the next one, or past the end.
      const total = reference.entries.length;
      for (const [offset, limit] of [[37, 29], [49, 2], [0, 1], [total - 3, 10], [total, 5]] as const) {
        const res = await client.get(`/v1/hunts/${slug}/leaderboard?offset=${offset}&limit=${limit}`);
        expect(res.body.entries, `offset ${offset}, limit ${limit}`).to.deep.equal(reference.entries.slice(offset, offset + limit));
      }

      for (const [playerId, expected] of reference.progress) {
        const res = await client.get(`/v1/hunts/${slug}/players/${playerId}`);
        expect(res.status).to.equal(200);
        const { version, generatedAt, leaderboardVersion, ...content } = res.body;
        expect(version).to.be.a('number');
        expect(leaderboardVersion).to.equal(served.version);
        expect(generatedAt).to.be.a('string');
        expect(content).to.deep.equal(expected);
      }
    }
  });
});
