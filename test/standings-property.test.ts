// Property: whatever sequence of answers players send (right, wrong, repeated, concurrent, across
// several hunts), once the engine settles every served leaderboard and progress document equals
// the ranking computed directly from the base tables. Sequences come from a seeded generator, so
// a failure names the seed that reproduces it (PROPERTY_SEED=<n> npm test).
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { seededRandom } from './support/seeded-random.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';
import { referenceRanking } from './support/reference-ranking.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('standings property', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('property');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 3, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  const seeds = process.env.PROPERTY_SEED ? [Number(process.env.PROPERTY_SEED)] : [11, 29, 47];
  for (const seed of seeds) {
    it(`serves standings equal to the base tables after random answer sequences (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const hunts: { spec: { answers: string[]; points: number }[]; created: Awaited<ReturnType<typeof createHunt>> }[] = [];
      for (let h = 0; h < 3; h++) {
        const clues = Array.from({ length: 2 + Math.floor(rnd() * 4) }, (_, c) => ({ answers: [`s${seed} h${h} c${c}`], points: 1 + Math.floor(rnd() * 4) * 5 }));
        hunts.push({ spec: clues, created: await createHunt(client, `prop-${seed}-${h}`, clues) });
      }
      const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(client, `p${seed}_${i}`)));

      // Rounds of concurrent answers: right (in varied spellings), wrong, repeats of either.
      for (let round = 0; round < 8; round++) {
        const batch = Array.from({ length: 25 }, () => {
          const hunt = pick(hunts);
          const c = Math.floor(rnd() * hunt.spec.length);
          const right = hunt.spec[c]!.answers[0]!;
          const text = rnd() < 0.55 ? pick([right, right.toUpperCase(), ` ${right.replaceAll(' ', '-')}!`]) : `wrong ${Math.floor(rnd() * 3)}`;
          return { hunt, clueId: hunt.created.clues[c]!.id, player: pick(players), text };
        });
        // Some requests are sent twice at once: concurrent duplicates.
        const doubled = batch.flatMap((b) => (rnd() < 0.2 ? [b, b] : [b]));
        const replies = await Promise.all(doubled.map((b) => answer(client, b.hunt.created.slug, b.clueId, b.player.token, b.text)));
        for (const reply of replies) expect(reply.status, reply.text).to.equal(200);
      }

      for (const hunt of hunts) {
        const huntId = (await pool.query('select id from hunts where slug = $1', [hunt.created.slug])).rows[0].id as string;
        const reference = await referenceRanking(pool, huntId);
        // Settled: nothing dirty for this hunt, every publish installed, and what is served is what the tables say.
        const served = await eventually(async () => {
          if (!await settled(pool, client, huntId)) return undefined;
          const res = await client.get(`/v1/hunts/${hunt.created.slug}/leaderboard?limit=100`);
          return res.body.total === reference.entries.length ? res.body : undefined;
        }, `hunt ${hunt.created.slug} settled`);
        expect(served.entries, `leaderboard of ${hunt.created.slug}`).to.deep.equal(reference.entries);
        for (const player of players) {
          const res = await client.get(`/v1/hunts/${hunt.created.slug}/players/${player.id}`);
          const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
          expect(leaderboardVersion, 'rank read from the served leaderboard').to.equal(served.version);
          const expected = reference.progress.get(player.id)
            ?? { playerId: player.id, handle: player.handle, rank: null, points: 0, cluesFound: 0, finds: [] };
          expect(content, `progress of ${player.handle} in ${hunt.created.slug}`).to.deep.equal(expected);
        }
        // Each find counted once, whatever the concurrency.
        const dupes = await pool.query(
          `select count(*)::int as n from (select player_id, clue_id from score_events where hunt_id = $1 group by 1, 2 having count(*) > 1) d`, [huntId]);
        expect(dupes.rows[0].n).to.equal(0);
      }
    });
  }
});
