// Clients that hold connections without finishing requests: headers that never end, bodies
// trickled byte by byte, and more connections than one process takes. Raw sockets, so the test
// sees exactly what the server sends and when it closes.
import { expect } from 'chai';
import net from 'node:net';
import { Client } from './support/client.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { sample } from './support/metrics.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** A raw connection: what it received, and when (ms after it opened) the server closed it. */
function open(url: string) {
  const { port, hostname } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  const opened = performance.now();
  const state = { received: '', closedAfterMs: undefined as number | undefined, socket };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => { state.received += chunk; });
  socket.on('error', () => {}); // a reset is a close too
  socket.on('close', () => { state.closedAfterMs = performance.now() - opened; });
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { state, connected, closed: () => eventually(() => state.closedAfterMs, 'the server closing the connection', 15_000) };
}

describe('slow clients', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;

  before(async () => {
    db = await createTestDatabase('slow_clients');
    engine = await startEngine(db.url, { worker: false, config: { headersTimeoutMs: 500, requestTimeoutMs: 3000 } });
  });

  after(async () => {
    await engine?.stop();
    await db?.drop();
  });

  it('closes a connection whose request headers stall past HEADERS_TIMEOUT_MS', async () => {
    const half = open(engine.url);
    await half.connected;
    half.state.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n');
    // Cut at the headers deadline (500 ms, checked every 250 ms), not the whole request's (3 s).
    const closedAfter = await half.closed();
    expect(closedAfter).to.be.within(400, 2500);
    expect(half.state.received).to.match(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that never sends a byte at the same deadline', async () => {
    const silent = open(engine.url);
    expect(await silent.closed()).to.be.within(400, 2500);
  });

  it('answers 408 to a body trickled past REQUEST_TIMEOUT_MS, and keeps serving others', async () => {
    const slow = open(engine.url);
    await slow.connected;
    slow.state.socket.write('POST /v1/players HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"handle":"');
    // A byte every 100 ms: the 200 would take 20 s, the headers were in time.
    const trickle = setInterval(() => { if (!slow.state.socket.destroyed) slow.state.socket.write('a'); }, 100);
    try {
      const closedAfter = await slow.closed();
      expect(closedAfter).to.be.within(2900, 6000);
      expect(slow.state.received).to.match(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
    expect((await new Client(engine.url).get('/healthz')).status).to.equal(200);
  });

  it('refuses connections past MAX_CONNECTIONS at once, over all listening sockets, while the open ones work', async () => {
    const capped = await startEngine(db.url, { worker: false, config: { maxConnections: 5 } });
    try {
      const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
      const held = Array.from({ length: 5 }, () => open(capped.url));
      for (const c of held) {
        await c.connected;
        c.state.socket.write(request);
        await eventually(() => (c.state.received.includes('"status":"ok"') ? true : undefined), 'a held connection answering');
      }
      const sixth = open(capped.url);
      sixth.state.socket.on('connect', () => sixth.state.socket.write(request));
      const closedAfter = await sixth.closed();
      expect(sixth.state.received, 'no response on a refused connection').to.equal('');
      expect(closedAfter).to.be.below(1000);
      // The five held connections still answer.
      for (const c of held) {
        c.state.received = '';
        c.state.socket.write(request);
        await eventually(() => (c.state.received.includes('"status":"ok"') ? true : undefined), 'a held connection answering again');
        expect(c.state.closedAfterMs).to.equal(undefined);
      }
      // One closed frees a place: a new connection is served, and the refusal was counted.
      held[0]!.state.socket.end();
      await held[0]!.closed();
      const metrics = await eventually(async () => {
        const res = await new Client(capped.url).get('/metrics').catch(() => undefined);
        return res?.status === 200 ? res.text : undefined;
      }, 'metrics once a connection is free');
      expect(sample(metrics, 'treasure_http_connections_refused_total')).to.be.at.least(1);
      for (const c of held) c.state.socket.destroy();
    } finally {
      await capped.stop();
    }
  });
});
