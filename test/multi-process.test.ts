// Two workers and two API processes against one database, as in production: answers through
// either API reach both, and both serve the same document versions once the change is published.
import { expect } from 'chai';
import { startWorker, type WorkerHandle } from '../src/worker/worker.ts';
import { Client } from './support/client.ts';
import { eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, unpublishedChanges } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('several processes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let one: Engine;
  let two: Engine;
  let extraWorker: WorkerHandle;

  before(async () => {
    db = await createTestDatabase('multi');
    one = await startEngine(db.url);
    two = await startEngine(db.url, { worker: false });
    extraWorker = await startWorker(testConfig(db.url), { schedule: false });
  });

  after(async () => {
    await extraWorker?.stop();
    await two?.stop();
    await one?.stop();
    await db?.drop();
  });

  it('converges two API processes on the same versions after answers through either', async () => {
    const a = new Client(one.url);
    const b = new Client(two.url);
    const hunts = await Promise.all(['twin-a', 'twin-b', 'twin-c'].map((slug) => createHunt(a, slug, [{ answers: ['left'] }, { answers: ['right'] }])));
    const players = await Promise.all(Array.from({ length: 8 }, (_, i) => registerPlayer(i % 2 ? a : b, `twin_${i}`)));
    await Promise.all(players.flatMap((p, i) => hunts.map((h, j) =>
      answer((i + j) % 2 ? a : b, h.slug, h.clues[(i + j) % 2]!.id, p.token, (i + j) % 2 ? 'right' : 'left'))));

    for (const hunt of hunts) {
      const [fromA, fromB] = await eventually(async () => {
        const [ra, rb] = await Promise.all([a.get(`/v1/hunts/${hunt.slug}/leaderboard`), b.get(`/v1/hunts/${hunt.slug}/leaderboard`)]);
        return ra.body?.total === 8 && rb.body?.total === 8 && ra.body.version === rb.body.version ? [ra, rb] as const : undefined;
      }, `both APIs on the same version of ${hunt.slug}`);
      expect(fromA.text).to.equal(fromB.text);
      expect(fromA.headers.get('etag')).to.equal(fromB.headers.get('etag'));
    }
    await eventually(async () => {
      const [indexA, indexB] = await Promise.all([a.get('/v1/hunts'), b.get('/v1/hunts')]);
      return indexA.text === indexB.text ? true : undefined;
    }, 'both APIs on the same hunts index');
  });
});

describe('several workers sharing the refreshes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let workers: WorkerHandle[] = [];

  before(async () => {
    db = await createTestDatabase('multi_workers');
    engine = await startEngine(db.url, { worker: false });
    // No sweep after the first: every change must reach the documents through its NOTIFY alone,
    // whichever worker hears it first, while the other may be refreshing the same hunt.
    const config = testConfig(db.url, { dirtySweepIntervalMs: 600_000, refreshConcurrency: 2 });
    workers = await Promise.all([startWorker(config, { schedule: false }), startWorker(config, { schedule: false })]);
  });

  after(async () => {
    await engine?.stop();
    for (const worker of workers) await worker.stop();
    await db?.drop();
  });

  it('publishes every change once, with no trigger lost between two workers', async () => {
    const client = new Client(engine.url);
    const hunts = await Promise.all(['shared-a', 'shared-b'].map((slug) =>
      createHunt(client, slug, [{ answers: ['one'] }, { answers: ['two'] }, { answers: ['three'] }])));
    const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(client, `sharer_${i}`)));
    await eventually(async () => (await unpublishedChanges(engine.api.pool) === 0 ? true : undefined), 'hunts published');
    // Bursts of concurrent answers: refreshes of one hunt overlap the notifications of the next.
    for (const [c, word] of ['one', 'two', 'three'].entries()) {
      await Promise.all(players.flatMap((p) => hunts.map((h) => answer(client, h.slug, h.clues[c]!.id, p.token, word))));
    }
    for (const hunt of hunts) {
      const board = await eventually(async () => {
        const res = await client.get(`/v1/hunts/${hunt.slug}/leaderboard`);
        return res.body?.total === 12 && res.body.entries.every((e: { cluesFound: number }) => e.cluesFound === 3) ? res.body : undefined;
      }, `every find of ${hunt.slug} published`, 15_000);
      expect(board.entries).to.have.length(12);
    }
    expect(await unpublishedChanges(engine.api.pool)).to.equal(0);
  });
});
