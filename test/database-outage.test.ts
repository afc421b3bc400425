// PostgreSQL goes away while the engine runs (a server this test owns, stopped and started again
// on the same port): reads keep being served from memory, marked stale; answers, and progress
// documents the API does not hold, get 503 with Retry-After and nothing is acknowledged; when the
// database returns, everything recovers without a restart.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/core/embedded-postgres.ts';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';

describe('database outage', function () {
  this.timeout(120_000);
  let parent: string;
  let server: EmbeddedServer | undefined;
  let engine: Engine | undefined;

  const startServer = (port?: number) => startEmbeddedPostgres({
    dataDir: path.join(parent, 'data'), persistent: true, ...(port ? { port } : {}), settings: { fsync: 'off' },
  });

  before(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'hunt-outage-'));
    await chmod(parent, 0o755);
    server = await startServer();
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('create database outage');
    await admin.end();
    engine = await startEngine(server.url('outage'));
  });

  after(async () => {
    await engine?.stop();
    await server?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('serves stale reads, refuses answers with 503, and recovers when the database returns', async () => {
    const client = new Client(engine!.url);
    const hunt = await createHunt(client, 'outage-hunt', [{ answers: ['lantern'] }, { answers: ['compass'] }]);
    const player = await registerPlayer(client, 'survivor');
    const unread = await registerPlayer(client, 'unread');
    await answer(client, 'outage-hunt', hunt.clues[0]!.id, player.token, 'lantern');
    await answer(client, 'outage-hunt', hunt.clues[0]!.id, unread.token, 'lantern');
    const before = await eventually(async () => {
      const res = await client.get('/v1/hunts/outage-hunt/leaderboard');
      return res.body?.total === 2 ? res : undefined;
    }, 'published before the outage');
    expect(before.headers.get('x-snapshot-stale')).to.equal(null);
    // Read once, so this process holds the survivor's progress; nobody reads the other's.
    const progress = await eventually(async () => {
      const res = await client.get(`/v1/hunts/outage-hunt/players/${player.id}`);
      return res.body?.version > 0 ? res : undefined;
    }, 'progress published');

    const port = server!.port;
    await server!.stop();
    server = undefined;

    const stale = await eventually(async () => {
      const res = await client.get('/v1/hunts/outage-hunt/leaderboard');
      return res.headers.get('x-snapshot-stale') === 'true' ? res : undefined;
    }, 'reads marked stale');
    expect(stale.status).to.equal(200);
    expect(stale.body).to.deep.equal(before.body);
    expect((await client.get('/v1/hunts')).status).to.equal(200);
    const heldProgress = await client.get(`/v1/hunts/outage-hunt/players/${player.id}`);
    expect([heldProgress.status, heldProgress.headers.get('x-snapshot-stale')]).to.deep.equal([200, 'true']);
    expect(heldProgress.body).to.deep.equal(progress.body);
    // Never read, but its player found something a moment ago: held all the same.
    const unreadProgress = await client.get(`/v1/hunts/outage-hunt/players/${unread.id}`);
    expect([unreadProgress.status, unreadProgress.headers.get('x-snapshot-stale')]).to.deep.equal([200, 'true']);
    expect(unreadProgress.body).to.include({ cluesFound: 1 });
    // Anything else the database would have to say: 503, never 500.
    const unknown = await client.get('/v1/hunts/outage-hunt/players/00000000-0000-4000-8000-00000000abcd');
    expect([unknown.status, unknown.body.error]).to.deep.equal([503, 'unavailable']);
    expect(Number(unknown.headers.get('retry-after'))).to.be.greaterThan(0);

    const refused = await answer(client, 'outage-hunt', hunt.clues[1]!.id, player.token, 'compass');
    expect(refused.status).to.equal(503);
    expect(refused.body.error).to.equal('unavailable');
    expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
    const registration = await client.post('/v1/players', { handle: 'latecomer' });
    expect(registration.status).to.equal(503);

    const ready = await client.get('/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body.database).to.equal('down');
    expect((await client.get('/metrics')).text).to.match(/^treasure_database_up\{[^}]*\} 0$/m);

    server = await startServer(port);

    const accepted = await eventually(async () => {
      const res = await answer(client, 'outage-hunt', hunt.clues[1]!.id, player.token, 'compass');
      return res.status === 200 ? res : undefined;
    }, 'answers accepted again', 60_000);
    // The refused attempt left nothing behind: this is the first time the find is recorded.
    expect(accepted.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    const after = await eventually(async () => {
      const res = await client.get('/v1/hunts/outage-hunt/leaderboard');
      return res.body.entries[0]?.points === 20 && res.headers.get('x-snapshot-stale') === null ? res : undefined;
    }, 'fresh reads after recovery', 60_000);
    expect(after.body.entries[0].cluesFound).to.equal(2);
    expect((await client.get('/readyz')).body.database).to.equal('up');
  });
});
