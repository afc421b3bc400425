// Players' progress documents: an API process holds only the most recently read ones
// (PROGRESS_CACHE_DOCUMENTS), reads the others from snapshot_documents on demand, and keeps the
// held ones current from the publishes it installs. Served bytes are the same either way.
import { expect } from 'chai';
import pg from 'pg';
import { docKeys } from '../src/core/documents.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { startEngine, eventually, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('progress cache', () => {
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('progress_cache');
    engine = await startEngine(db.url, { config: { progressCacheDocuments: 2 } });
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  const progressOf = async (playerId: string) => {
    const res = await client.get(`/v1/hunts/cache-hunt/players/${playerId}`);
    expect(res.status, res.text).to.equal(200);
    return res.body as { points: number; cluesFound: number; finds: { clueId: string }[]; version: number };
  };
  const held = (playerId: string) => engine.api.store.progress.peek(docKeys.progress('cache-hunt', playerId));

  it('holds only the most recently read progress documents, serving every one the same', async () => {
    const hunt = await createHunt(client, 'cache-hunt', [{ answers: ['pearl'], points: 3 }, { answers: ['coral'], points: 5 }]);
    const players = await Promise.all(['c_one', 'c_two', 'c_three', 'c_four'].map((h) => registerPlayer(client, h)));
    for (const [i, p] of players.entries()) {
      await answer(client, 'cache-hunt', hunt.clues[0]!.id, p.token, 'pearl');
      if (i % 2 === 1) await answer(client, 'cache-hunt', hunt.clues[1]!.id, p.token, 'coral');
    }
    await eventually(async () => (await settled(pool, client) ? true : undefined), 'published and installed');
    // Nothing read yet: held are only the documents of players whose finds this process heard of
    // (they are about to read them, through a database outage too), as many as the cache holds.
    expect(engine.api.store.progress.size).to.equal(2);

    for (const [i, p] of players.entries()) {
      const progress = await progressOf(p.id);
      expect([progress.points, progress.cluesFound], p.handle).to.deep.equal(i % 2 === 1 ? [8, 2] : [3, 1]);
    }
    expect(engine.api.store.progress.size).to.equal(2);
    expect(players.map((p) => held(p.id) !== undefined)).to.deep.equal([false, false, true, true]);
    // Read again from the database, the same bytes as when held.
    const first = await client.get(`/v1/hunts/cache-hunt/players/${players[0]!.id}`);
    const again = await client.get(`/v1/hunts/cache-hunt/players/${players[0]!.id}`);
    expect(first.text).to.equal(again.text);
    expect(held(players[0]!.id)).to.not.equal(undefined);
  });

  it('replaces a held progress document when a publish changes it, without reading it again', async () => {
    const hunt = (await client.get('/v1/hunts/cache-hunt')).body as { clues: { id: string }[] };
    const player = await registerPlayer(client, 'c_five');
    await answer(client, 'cache-hunt', hunt.clues[0]!.id, player.token, 'pearl');
    await eventually(async () => (await settled(pool, client) ? true : undefined), 'first find published');
    const before = await progressOf(player.id);
    expect(held(player.id)?.version).to.equal(before.version);

    await answer(client, 'cache-hunt', hunt.clues[1]!.id, player.token, 'coral');
    // The publish lands in the held copy: no read in between.
    await eventually(() => ((held(player.id)?.version ?? 0) > before.version ? true : undefined), 'held copy republished');
    const after = await progressOf(player.id);
    expect([after.points, after.cluesFound, after.version]).to.deep.equal([8, 2, held(player.id)!.version]);
  });

  it('remembers that a player has no progress yet, and serves it empty', async () => {
    const idle = await registerPlayer(client, 'c_idle');
    const progress = await progressOf(idle.id);
    expect([progress.points, progress.cluesFound, progress.finds]).to.deep.equal([0, 0, []]);
    expect(held(idle.id)).to.deep.equal({ version: 0, body: null });
  });
});
