// How an API process listens: several sockets on its one port, so that a burst of new connections
// is accepted several at a time, and never a port something else already holds.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { expect } from 'chai';
import { Client } from './support/client.ts';
import { startEngine, type Engine } from './support/engine.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** Listening TCP sockets on `port` (IPv4), from the kernel's table. */
function listeningSockets(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A').length;
}

describe('API listening sockets', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine | undefined;

  before(async () => { db = await createTestDatabase('listening'); });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
  });
  after(async () => { await db?.drop(); });

  it('accepts on sixteen sockets of its one port, each serving', async function () {
    if (process.platform !== 'linux') this.skip();
    engine = await startEngine(db.url, { worker: false });
    expect(listeningSockets(engine.api.port)).to.equal(16);
    // Fresh connections land on any of them: every one is answered.
    const client = new Client(engine.url);
    const statuses = await Promise.all(Array.from({ length: 80 }, () =>
      client.get('/healthz', { headers: { connection: 'close' } }).then((r) => r.status)));
    expect(new Set(statuses)).to.deep.equal(new Set([200]));
  });

  it('refuses to start on a port something else holds, rather than share it', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen({ port: 0, host: '127.0.0.1' }, () => resolve()));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const started = startEngine(db.url, { worker: false, config: { port } });
      await started.then((e) => { engine = e; }, () => undefined);
      expect(engine, 'an API on a taken port').to.equal(undefined);
      expect(await started.catch((err: { code?: string }) => err.code)).to.equal('EADDRINUSE');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
