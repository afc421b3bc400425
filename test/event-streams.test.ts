// Server-sent events: GET /v1/hunts/:slug/events tells open pages, at each install, which public
// documents of the hunt changed and whose progress or own view did (nobody's while frozen); `id`
// is the global publish sequence, and Last-Event-ID resumes; streams end cleanly on shutdown.
import { expect } from 'chai';
import http from 'node:http';
import { Client } from './support/client.ts';
import { engineSuite } from './support/engine-suite.ts';
import { sample } from './support/metrics.ts';
import { ADMIN_TOKEN, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

interface StreamEvent { id: string | undefined; event: string | undefined; data: { seq: number; documents: string[]; competitors: string[] } }

/** An open event stream: its response headers, the events parsed so far, and whether it ended. */
class EventStream {
  readonly events: StreamEvent[] = [];
  raw = '';
  retry: number | undefined;
  ended = false;
  /** Ended with HTTP's last chunk, not cut. */
  endedCleanly = false;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private readonly req: http.ClientRequest;
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    let resolveOpen: () => void;
    this.opened = new Promise((resolve) => { resolveOpen = resolve; });
    this.req = http.get(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      resolveOpen();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.raw += chunk;
        let end: number;
        while ((end = this.raw.indexOf('\n\n')) !== -1) {
          const block = this.raw.slice(0, end);
          this.raw = this.raw.slice(end + 2);
          const fields = new Map(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
          if (fields.has('retry')) this.retry = Number(fields.get('retry'));
          if (fields.has('data')) this.events.push({ id: fields.get('id'), event: fields.get('event'), data: JSON.parse(fields.get('data')!) });
        }
      });
      res.on('end', () => { this.ended = true; this.endedCleanly = true; });
      res.on('error', () => { this.ended = true; });
    });
    this.req.on('error', () => { this.ended = true; });
  }

  close(): void { this.req.destroy(); }
}

describe('event streams', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine | undefined;
  let client: Client;
  const streams: EventStream[] = [];
  const open = (path: string, headers?: Record<string, string>) => {
    const stream = new EventStream(engine!.url + path, headers);
    streams.push(stream);
    return stream;
  };

  before(async () => {
    db = await createTestDatabase('event_streams');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
  });

  after(async () => {
    for (const s of streams) s.close();
    await engine?.stop();
    await db?.drop();
  });

  it('tells an open page which documents of the hunt changed and whose progress, with the publish sequence as id', async () => {
    const hunt = await createHunt(client, 'streamed', [{ answers: ['a'] }, { answers: ['b'] }]);
    const ann = await registerPlayer(client, 'stream_ann');
    await eventually(async () => ((await client.get('/v1/hunts/streamed')).status === 200 ? true : undefined), 'published');
    const stream = open('/v1/hunts/streamed/events');
    await stream.opened;
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).to.equal('no-store');
    await eventually(() => stream.retry, 'the retry line');

    await answer(client, 'streamed', hunt.clues[0]!.id, ann.token, 'a');
    const update = await eventually(() => stream.events.find((e) => e.data.documents.includes('leaderboard')), 'an update event');
    expect(update.event).to.equal('update');
    expect(update.id).to.equal(String(update.data.seq));
    expect(update.data.documents).to.include.members(['hunt', 'leaderboard', 'feed', 'progress']);
    expect(update.data.competitors).to.include(ann.id);
    // The sequence is the snapshot's: the leaderboard now served is that version's or later.
    const board = await client.get('/v1/hunts/streamed/leaderboard');
    expect(Number(board.headers.get('x-snapshot-version'))).to.be.at.least(1);

    // Another hunt's publish is not this stream's.
    const before = stream.events.length;
    const other = await createHunt(client, 'streamed-other', [{ answers: ['x'] }]);
    await eventually(async () => ((await client.get('/v1/hunts/streamed-other')).status === 200 ? true : undefined), 'other published');
    await answer(client, 'streamed-other', other.clues[0]!.id, ann.token, 'x');
    await eventually(async () => ((await client.get('/v1/hunts/streamed-other/leaderboard')).body.entries.length === 1 ? true : undefined), 'other ranked');
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.events.length).to.equal(before);

    // Resuming from an older id: one event naming every kind at once.
    const resumed = open('/v1/hunts/streamed/events', { 'last-event-id': '0' });
    const all = await eventually(() => resumed.events[0], 'the resume event');
    expect(all.data.documents).to.have.members(['hunt', 'leaderboard', 'feed', 'progress', 'team']);
    expect(Number(all.id)).to.be.at.least(update.data.seq);
    // Resuming from the latest: nothing to catch up on.
    const current = open('/v1/hunts/streamed/events', { 'last-event-id': all.id! });
    await current.opened;
    await new Promise((r) => setTimeout(r, 200));
    expect(current.events).to.deep.equal([]);

    const missing = await client.get('/v1/hunts/no-such-hunt/events');
    expect([missing.status, missing.body.error]).to.deep.equal([404, 'not_found']);
  });

  it('names no competitor while the hunt is frozen', async () => {
    const hunt = await createHunt(client, 'streamed-frozen', [{ answers: ['a'] }], { freezeAt: new Date(Date.now() - 1000).toISOString() });
    const bob = await registerPlayer(client, 'stream_bob');
    await eventually(async () => ((await client.get('/v1/hunts/streamed-frozen')).body?.frozen === true ? true : undefined), 'published frozen');
    const stream = open('/v1/hunts/streamed-frozen/events');
    await stream.opened;
    await answer(client, 'streamed-frozen', hunt.clues[0]!.id, bob.token, 'a');
    // An adjustment changes public documents of the frozen hunt? No: it is after the freeze too. An
    // announcement does: the stream hears of it, naming nobody.
    await client.post('/v1/admin/hunts/streamed-frozen/announcements', { text: 'Frozen now!' }, { token: ADMIN_TOKEN });
    const update = await eventually(() => stream.events.find((e) => e.data.documents.includes('hunt')), 'the announcement event');
    for (const e of stream.events) expect(e.data.competitors, JSON.stringify(e.data)).to.deep.equal([]);
    expect(update.data.documents).to.include('feed');
  });

  it('counts a stream as one request once its head is sent, and forgets a stream its client closed', async () => {
    await createHunt(client, 'streamed-count', [{ answers: ['a'] }]);
    await eventually(async () => ((await client.get('/v1/hunts/streamed-count')).status === 200 ? true : undefined), 'published');
    const metrics = async () => (await client.get('/metrics')).text;
    const earlier = await metrics();
    const count = (text: string) => sample(text, 'treasure_http_request_duration_seconds_count', { route: '/v1/hunts/:slug/events', status: '200' });
    const openBefore = sample(earlier, 'treasure_event_streams_open');
    const opened = [open('/v1/hunts/streamed-count/events'), open('/v1/hunts/streamed-count/events'), open('/v1/hunts/streamed-count/events')];
    await Promise.all(opened.map((s) => s.opened));
    const text = await metrics();
    expect(sample(text, 'treasure_event_streams_open') - openBefore).to.equal(3);
    expect(count(text) - count(earlier)).to.equal(3);
    // Only the /metrics request itself is in flight: open streams are not requests waiting for an answer.
    expect(sample(text, 'treasure_http_requests_in_flight')).to.equal(1);
    for (const s of opened) s.close();
    await eventually(async () => (sample(await metrics(), 'treasure_event_streams_open') === openBefore ? true : undefined), 'streams forgotten');
  });

  it('ends every stream when the API stops, without waiting for them', async () => {
    await createHunt(client, 'streamed-stop', [{ answers: ['a'] }]);
    await eventually(async () => ((await client.get('/v1/hunts/streamed-stop')).status === 200 ? true : undefined), 'published');
    const stream = open('/v1/hunts/streamed-stop/events');
    await stream.opened;
    const started = Date.now();
    await engine!.stop();
    engine = undefined;
    expect(Date.now() - started, 'stopped without waiting for the stream').to.be.below(8000);
    await eventually(() => (stream.ended ? true : undefined), 'the stream ended', 5000);
    expect(stream.endedCleanly, 'ended with the last chunk').to.equal(true);
  });
});

describe('event streams and the connection cap', function () {
  this.timeout(60_000);
  const suite = engineSuite('event_streams_cap', { config: { maxConnections: 6 } });

  it('gives a closed stream\'s connection back to MAX_CONNECTIONS', async () => {
    const { client, engine } = suite; // the client's keep-alive connections take one or two of the six
    await createHunt(client, 'capped', [{ answers: ['a'] }]);
    await eventually(async () => ((await client.get('/v1/hunts/capped')).status === 200 ? true : undefined), 'published');
    // Three rounds of four streams, each closed before the next: a stream that kept its connection
    // counted after closing would leave too few of the six for the next round.
    for (let round = 0; round < 3; round++) {
      const streams = [0, 1, 2, 3].map(() => new EventStream(`${engine.url}/v1/hunts/capped/events`, {}));
      await Promise.all(streams.map((s) => Promise.race([s.opened, eventually(() => (s.ended ? true : undefined), 'opened or refused', 5000)])));
      expect(streams.map((s) => s.status), `round ${round}`).to.deep.equal([200, 200, 200, 200]);
      for (const s of streams) s.close();
      await eventually(async () => (sample((await client.get('/metrics')).text, 'treasure_event_streams_open') === 0 ? true : undefined),
        `round ${round}'s streams closed`, 5000);
    }
  });
});
