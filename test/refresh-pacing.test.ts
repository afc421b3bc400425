// Pacing of refreshes: a quiet hunt is republished as soon as it changes, a hunt that keeps
// changing at most once per REFRESH_MIN_INTERVAL_MS, with everything that came meanwhile.
import { expect } from 'chai';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const INTERVAL_MS = 600;

describe('refresh pacing', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;

  before(async () => {
    db = await createTestDatabase('pacing');
    engine = await startEngine(db.url, { config: { refreshMinIntervalMs: INTERVAL_MS } });
    client = new Client(engine.url);
  });

  after(async () => {
    await engine?.stop();
    await db?.drop();
  });

  it('republishes a hunt that keeps changing once per interval, with every change made meanwhile', async () => {
    const hunt = await createHunt(client, 'paced', [{ answers: ['tide'] }]);
    const players = await Promise.all(['one', 'two', 'three', 'four'].map((h) => registerPlayer(client, `paced_${h}`)));
    const board = (total: number) => eventually(async () => {
      const res = await client.get('/v1/hunts/paced/leaderboard');
      return res.body?.total === total ? res.body as { version: number; generatedAt: string } : undefined;
    }, `${total} players on the leaderboard`);

    await board(0);
    expect((await answer(client, 'paced', hunt.clues[0]!.id, players[0]!.token, 'tide')).body.correct).to.equal(true);
    const first = await board(1);
    // Three more finds right after the first publish: none may start a refresh before the interval
    // has passed since the last one started, and then one refresh takes all three.
    for (const player of players.slice(1)) {
      expect((await answer(client, 'paced', hunt.clues[0]!.id, player.token, 'tide')).body.correct).to.equal(true);
    }
    const second = await board(4);
    expect(second.version, 'one publish for the three finds').to.equal(first.version + 1);
    // Each document is built after its refresh started: the two builds are the interval apart,
    // less what the first refresh took longer than the second (a few milliseconds).
    expect(Date.parse(second.generatedAt) - Date.parse(first.generatedAt)).to.be.at.least(INTERVAL_MS - 150);
  });
});
