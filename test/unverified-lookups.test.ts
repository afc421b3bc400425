// Requests an API process cannot vouch for from memory (a bearer token it never saw, a player id on
// no leaderboard it holds) cost a database lookup from a small per-process budget
// (UNVERIFIED_LOOKUPS_PER_SECOND); past it they get 503 with Retry-After. Whatever was looked up
// is remembered, so repeating a random id or a made-up token costs nothing, random ids never push
// a real player's progress out of memory, and a valid token is never refused with 401.
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { startApi, type ApiHandle } from '../src/api/server.ts';
import { createLogger } from '../src/core/logger.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const BUDGET = 2; // lookups a second; the burst is twice that

describe('unverified lookups', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let other: ApiHandle;
  let client: Client;

  before(async () => {
    db = await createTestDatabase('unverified_lookups');
    engine = await startEngine(db.url, { config: { unverifiedLookupsPerSecond: BUDGET } });
    other = await startApi({ ...testConfig(db.url), adminToken: ADMIN_TOKEN, answerHashKey: ANSWER_HASH_KEY }, { log: createLogger('api', 'error') });
    client = new Client(engine.url);
  });

  after(async () => {
    await other?.stop();
    await engine?.stop();
    await db?.drop();
  });

  /** Long enough for the budget to refill to its full burst. */
  const refilled = () => new Promise((r) => setTimeout(r, 2200));

  it('answers a flood of random player ids with 404 or 503, never evicting or re-reading a real player', async () => {
    const hunt = await createHunt(client, 'flooded', [{ answers: ['real'] }]);
    const player = await registerPlayer(client, 'real_one');
    await answer(client, 'flooded', hunt.clues[0]!.id, player.token, 'real');
    await eventually(async () => {
      const res = await client.get(`/v1/hunts/flooded/players/${player.id}`);
      return res.body?.cluesFound === 1 ? res : undefined;
    }, 'the real player reads their progress');
    const missesBefore = sample((await client.get('/metrics')).text, 'treasure_snapshot_lookups_total', { result: 'miss' });
    await refilled();

    const ids = Array.from({ length: 40 }, () => randomUUID());
    const replies = await Promise.all(ids.map((id) => client.get(`/v1/hunts/flooded/players/${id}`)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.every((s) => s === 404 || s === 503), statuses.join(',')).to.equal(true);
    // Only what the budget allows reached the database; the rest were told to come back later.
    expect(statuses.filter((s) => s === 404).length).to.be.within(1, 2 * BUDGET + 1);
    const refused = replies.find((r) => r.status === 503)!;
    expect(refused.body.error).to.equal('unavailable');
    expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);

    // A random id already looked up costs nothing the second time, budget spent or not.
    const looked = ids[statuses.indexOf(404)]!;
    expect((await client.get(`/v1/hunts/flooded/players/${looked}`)).status).to.equal(404);

    // The real player is still served from memory: no miss for them.
    const real = await client.get(`/v1/hunts/flooded/players/${player.id}`);
    expect(real.status).to.equal(200);
    const missesAfter = sample((await client.get('/metrics')).text, 'treasure_snapshot_lookups_total', { result: 'miss' });
    // One miss per random id (the repeated one included), none for the real player's read.
    expect(missesAfter - missesBefore).to.equal(ids.length + 1);
  });

  it('answers made-up tokens with 401 or 503, and a valid token never with 401', async () => {
    const hunt = await createHunt(client, 'tokens', [{ answers: ['key'] }]);
    await refilled();
    // Registered through the other process: this one learns of it within a poll, and until then
    // has to ask the database, from the budget the flood is spending.
    const stranger = await registerPlayer(new Client(other.url), 'stranger');
    const made = await Promise.all(Array.from({ length: 30 }, () =>
      answer(client, 'tokens', hunt.clues[0]!.id, randomBytes(32).toString('base64url'), 'key')));
    const statuses = made.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 503), statuses.join(',')).to.equal(true);
    expect(statuses.filter((s) => s === 401).length).to.be.within(1, 2 * BUDGET + 1);

    const seen: number[] = [];
    const accepted = await eventually(async () => {
      const res = await answer(client, 'tokens', hunt.clues[0]!.id, stranger.token, 'key');
      seen.push(res.status);
      return res.status === 200 ? res : undefined;
    }, 'the stranger answered');
    expect(seen.filter((s) => s !== 200 && s !== 503), seen.join(',')).to.deep.equal([]);
    expect(accepted.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
  });

  it('knows every player from its start, so their tokens and ids cost nothing from the budget', async () => {
    const hunt = await createHunt(client, 'restarted', [{ answers: ['known'] }]);
    const veteran = await registerPlayer(new Client(other.url), 'veteran');
    // A process started after the registration: it loaded every player at start.
    const fresh = await startApi({ ...testConfig(db.url), unverifiedLookupsPerSecond: 1, adminToken: ADMIN_TOKEN, answerHashKey: ANSWER_HASH_KEY },
      { log: createLogger('api', 'error') });
    try {
      const freshClient = new Client(fresh.url);
      // Spend its budget on made-up tokens first.
      await Promise.all(Array.from({ length: 10 }, () =>
        answer(freshClient, 'restarted', hunt.clues[0]!.id, randomBytes(32).toString('base64url'), 'known')));
      const res = await answer(freshClient, 'restarted', hunt.clues[0]!.id, veteran.token, 'known');
      expect(res.status, res.text).to.equal(200);
      const progress = await freshClient.get(`/v1/hunts/restarted/players/${veteran.id}`);
      expect(progress.status, progress.text).to.equal(200);
    } finally {
      await fresh.stop();
    }
  });
});
