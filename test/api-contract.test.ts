// The HTTP contract, route by route: success shapes and every error code.
import { expect } from 'chai';
import http from 'node:http';
import { docKeys } from '../src/core/documents.ts';
import { Client, startRecording, stopRecording, type Exchange, type Reply } from './support/client.ts';
import { ADMIN_TOKEN, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';
import { OpenApiChecker } from './support/openapi-check.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A request over node:http: `body` sent chunked (no Content-Length), or `declared` bytes announced
 * of which only `body` is sent (the request never finishes). Resolves at the response's end.
 */
function rawRequest(base: string, method: string, path: string, opts: { body: string; declared?: number; headers?: Record<string, string> }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any; afterMs: number; socketClosed: Promise<void> }>((resolve, reject) => {
    const started = performance.now();
    const req = http.request(base + path, {
      method, agent: false,
      headers: { 'content-type': 'application/json', ...opts.headers, ...(opts.declared ? { 'content-length': String(opts.declared) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        const socketClosed = new Promise<void>((closed) => (res.socket.destroyed ? closed() : res.socket.once('close', () => closed())));
        let body: any;
        try { body = JSON.parse(text); } catch { body = undefined; }
        resolve({ status: res.statusCode!, headers: res.headers, body, afterMs: performance.now() - started, socketClosed });
      });
    });
    req.on('error', reject);
    req.write(opts.body);
    if (!opts.declared) req.end();
  });
}

describe('HTTP API contract', () => {
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let hunt: { slug: string; clues: { id: string; position: number }[] };
  let emptyIndex: Reply;
  let exchanges: Exchange[] = [];

  before(async () => {
    exchanges = startRecording();
    db = await createTestDatabase('api_contract');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    emptyIndex = await client.get('/v1/hunts');
    hunt = await createHunt(client, 'contract-hunt', [
      { answers: ['Golden Gate'], points: 10 },
      { answers: ['Straße', 'street'], points: 25 },
    ], { description: 'A hunt for the contract', startsAt: '2026-01-01T00:00:00Z' });
    await eventually(async () => ((await client.get('/v1/hunts/contract-hunt')).status === 200 ? true : undefined), 'hunt published');
  });

  after(async () => {
    stopRecording();
    await engine?.stop();
    await db?.drop();
    // Every response the tests above received, against the OpenAPI document (openapi-check.ts).
    expect(new OpenApiChecker().check(exchanges), 'responses that disagree with GET /openapi.json').to.deep.equal([]);
  });

  describe('GET /v1/hunts', () => {
    it('lists nothing, with a 200, before any hunt is published', () => {
      expect(emptyIndex.status).to.equal(200);
      expect(emptyIndex.body).to.include({ version: 0 });
      expect(emptyIndex.body.hunts).to.deep.equal([]);
    });

    it('lists published hunts with counts, version and generatedAt', async () => {
      const res = await client.get('/v1/hunts');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.body.hunts).to.deep.include({
        slug: 'contract-hunt', title: 'Hunt contract-hunt', status: 'live',
        startsAt: '2026-01-01T00:00:00.000Z', endsAt: null, clueCount: 2, playerCount: 0,
      });
      expect(res.body.version).to.be.a('number');
      expect(res.body.generatedAt).to.match(RFC3339_MS);
    });

    it('carries ETag, X-Snapshot-Version, X-Snapshot-Age-Ms and a public Cache-Control', async () => {
      const res = await client.get('/v1/hunts');
      expect(res.headers.get('etag')).to.match(/^"[^"]+"$/);
      expect(res.headers.get('x-snapshot-version')).to.equal(String(res.body.version));
      expect(Number(res.headers.get('x-snapshot-age-ms'))).to.be.at.least(0);
      expect(res.headers.get('cache-control')).to.equal('public, max-age=1');
    });

    it('hides draft hunts from the index and every public route', async () => {
      const draft = await createHunt(client, 'secret-draft', [{ answers: ['x1'] }], { status: 'draft' });
      const player = await registerPlayer(client, 'drafty');
      // Publish something else after the draft so we know the worker has seen it.
      await client.post('/v1/admin/refresh', {}, { token: ADMIN_TOKEN });
      await eventually(async () => {
        const index = await client.get('/v1/hunts');
        return index.body.hunts.length >= 1 ? index : undefined;
      }, 'index');
      const index = await client.get('/v1/hunts');
      expect(index.body.hunts.map((h: { slug: string }) => h.slug)).not.to.include('secret-draft');
      expect((await client.get('/v1/hunts/secret-draft')).status).to.equal(404);
      expect((await client.get('/v1/hunts/secret-draft/leaderboard')).status).to.equal(404);
      expect((await client.get(`/v1/hunts/secret-draft/players/${player.id}`)).status).to.equal(404);
      expect((await answer(client, 'secret-draft', draft.clues[0]!.id, player.token, 'x1')).status).to.equal(404);
    });
  });

  describe('GET /v1/hunts/:slug', () => {
    it('describes the hunt and its clues, never their answers', async () => {
      const res = await client.get('/v1/hunts/contract-hunt');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ slug: 'contract-hunt', description: 'A hunt for the contract', status: 'live', clueCount: 2 });
      expect(res.body.clues).to.have.length(2);
      expect(res.body.clues[0]).to.deep.equal({
        id: hunt.clues[0]!.id, position: 1, title: 'Clue 1', body: 'Body 1', points: 10, locked: false, solveCount: 0, firstFinder: null,
      });
      expect(res.text.toLowerCase()).not.to.include('golden');
      expect(res.text.toLowerCase()).not.to.include('street');
    });

    it('answers 404 not_found for an unknown hunt', async () => {
      const res = await client.get('/v1/hunts/no-such-hunt');
      expect(res.status).to.equal(404);
      expect(res.body).to.deep.equal({ error: 'not_found', message: 'hunt not found' });
    });
  });

  describe('POST /v1/players', () => {
    it('registers a player and shows the token once', async () => {
      const res = await client.post('/v1/players', { handle: 'Ada_Lovelace', displayName: 'Ada' });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
      expect(res.body.handle).to.equal('Ada_Lovelace');
      expect(res.body.token).to.be.a('string').with.length.greaterThan(40);
      expect(res.headers.get('cache-control')).to.equal('private, no-store');
    });

    it('refuses a handle taken in any case with 409 handle_taken', async () => {
      await registerPlayer(client, 'grace');
      const res = await client.post('/v1/players', { handle: 'GRACE' });
      expect(res.status).to.equal(409);
      expect(res.body.error).to.equal('handle_taken');
    });

    for (const [label, body] of [
      ['a short handle', { handle: 'ab' }],
      ['a long handle', { handle: 'a'.repeat(33) }],
      ['spaces in the handle', { handle: 'a b c' }],
      ['a missing handle', {}],
      ['a number as handle', { handle: 12345 }],
      ['an unknown field', { handle: 'valid_one', admin: true }],
    ] as const) {
      it(`answers 400 invalid_body for ${label}`, async () => {
        const res = await client.post('/v1/players', body);
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_body');
        expect(res.body.message).to.be.a('string');
      });
    }

    it('answers 400 invalid_body for malformed JSON', async () => {
      const res = await client.request('POST', '/v1/players', { raw: '{"handle":', headers: { 'content-type': 'application/json' } });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_body');
    });

    it('answers 413 for an oversized body', async () => {
      const res = await client.post('/v1/players', { handle: 'big_one', displayName: 'x'.repeat(400_000) });
      expect(res.status).to.equal(413);
      expect(res.body.error).to.equal('invalid_body');
    });
  });

  describe('POST /v1/hunts/:slug/clues/:clueId/answers', () => {
    let player: { id: string; token: string };
    before(async () => { player = await registerPlayer(client, 'answerer'); });

    it('answers 401 without a token, before looking at anything else', async () => {
      const res = await client.post(`/v1/hunts/nope/clues/bad/answers`, { wrong: 1 });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('unauthorized');
    });

    it('answers 401 before reading a malformed body', async () => {
      const res = await client.request('POST', `/v1/hunts/contract-hunt/clues/${hunt.clues[0]!.id}/answers`,
        { raw: '{not json', headers: { 'content-type': 'application/json' } });
      expect(res.status).to.equal(401);
      const withToken = await client.request('POST', `/v1/hunts/contract-hunt/clues/${hunt.clues[0]!.id}/answers`,
        { raw: '{not json', token: player.token, headers: { 'content-type': 'application/json' } });
      expect(withToken.status).to.equal(400);
      expect(withToken.body.error).to.equal('invalid_body');
    });

    it('answers 404 for a slug that cannot exist and 400 for text PostgreSQL cannot store', async () => {
      const res = await client.post(`/v1/hunts/a%00b/clues/${hunt.clues[0]!.id}/answers`, { answer: 'x' }, { token: player.token });
      expect(res.status).to.equal(404);
      const nul = await answer(client, 'contract-hunt', hunt.clues[0]!.id, player.token, 'gold\u0000');
      expect(nul.status).to.equal(400);
      const name = await client.post('/v1/players', { handle: 'nul_name', displayName: 'a\u0000b' });
      expect(name.status).to.equal(400);
    });

    it('counts a player who only answered wrong in the hunt playerCount', async () => {
      const wrongOnly = await registerPlayer(client, 'wrong_only');
      const before = (await client.get('/v1/hunts/contract-hunt')).body.playerCount;
      expect((await answer(client, 'contract-hunt', hunt.clues[0]!.id, wrongOnly.token, 'nope')).body.correct).to.equal(false);
      await eventually(async () => ((await client.get('/v1/hunts/contract-hunt')).body.playerCount === before + 1 ? true : undefined), 'playerCount updated');
    });

    it('answers 401 for an unknown token', async () => {
      const res = await answer(client, 'contract-hunt', hunt.clues[0]!.id, 'not-a-real-token', 'x');
      expect(res.status).to.equal(401);
    });

    it('answers 400 for a body without an answer, and for an answer that normalizes to nothing', async () => {
      const missing = await client.post(`/v1/hunts/contract-hunt/clues/${hunt.clues[0]!.id}/answers`, {}, { token: player.token });
      expect(missing.status).to.equal(400);
      expect(missing.body.error).to.equal('invalid_body');
      const empty = await answer(client, 'contract-hunt', hunt.clues[0]!.id, player.token, ' ?!. ');
      expect(empty.status).to.equal(400);
      expect(empty.body.error).to.equal('invalid_body');
    });

    it('answers 404 for an unknown hunt, a draft hunt or an unknown clue, saying which', async () => {
      const noHunt = await answer(client, 'no-hunt', hunt.clues[0]!.id, player.token, 'x');
      expect([noHunt.status, noHunt.body]).to.deep.equal([404, { error: 'not_found', message: 'hunt not found' }]);
      const draft = await createHunt(client, 'contract-draft', [{ answers: ['x'] }], { status: 'draft' });
      const drafted = await answer(client, 'contract-draft', draft.clues[0]!.id, player.token, 'x');
      expect([drafted.status, drafted.body]).to.deep.equal([404, { error: 'not_found', message: 'hunt not found' }]);
      const noClue = await answer(client, 'contract-hunt', '00000000-0000-4000-8000-000000000000', player.token, 'x');
      expect([noClue.status, noClue.body]).to.deep.equal([404, { error: 'not_found', message: 'clue not found' }]);
    });

    it('reports a wrong answer without points, then a correct one with its points, then alreadyFound', async () => {
      const clue = hunt.clues[1]!.id;
      expect((await answer(client, 'contract-hunt', clue, player.token, 'avenue')).body).to.deep.equal({ correct: false, alreadyFound: false, points: 0 });
      const right = await answer(client, 'contract-hunt', clue, player.token, 'STRASSE');
      expect(right.status).to.equal(200);
      expect(right.body).to.deep.equal({ correct: true, alreadyFound: false, points: 25 });
      expect(right.headers.get('cache-control')).to.equal('private, no-store');
      expect((await answer(client, 'contract-hunt', clue, player.token, 'street')).body).to.deep.equal({ correct: true, alreadyFound: true, points: 0 });
    });

    it('answers 409 hunt_not_live outside the hunt window or after it ended', async () => {
      // A hunt not started shows no clues in public: the clue id comes from the create response.
      const created = await createHunt(client, 'future-hunt', [{ answers: ['later'] }], { startsAt: '2099-01-01T00:00:00Z' });
      const future = await client.get('/v1/admin/jobs/00000000-0000-4000-8000-000000000000', { token: ADMIN_TOKEN });
      expect(future.status).to.equal(404);
      await eventually(async () => {
        const res = await client.get('/v1/hunts/future-hunt');
        return res.status === 200 ? res.body : undefined;
      }, 'future hunt published');
      const res = await answer(client, 'future-hunt', created.clues[0]!.id, player.token, 'later');
      expect(res.status).to.equal(409);
      expect(res.body.error).to.equal('hunt_not_live');

      const ended = await createHunt(client, 'ended-hunt', [{ answers: ['done'] }]);
      expect((await client.patch('/v1/admin/hunts/ended-hunt', { status: 'ended' }, { token: ADMIN_TOKEN })).status).to.equal(200);
      const late = await answer(client, 'ended-hunt', ended.clues[0]!.id, player.token, 'done');
      expect(late.status).to.equal(409);
      expect(late.body.error).to.equal('hunt_not_live');
    });
  });

  describe('GET /v1/hunts/:slug/leaderboard', () => {
    it('pages with limit and offset and reports the total', async () => {
      const res = await client.get('/v1/hunts/contract-hunt/leaderboard?limit=1&offset=0');
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys('hunt', 'entries', 'total', 'frozen', 'frozenAt', 'version', 'generatedAt');
      expect(res.body.hunt).to.equal('contract-hunt');
      expect(res.body.entries.length).to.be.at.most(1);
      const past = await client.get('/v1/hunts/contract-hunt/leaderboard?offset=1000');
      expect(past.status).to.equal(200);
      expect(past.body.entries).to.deep.equal([]);
    });

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'limit=1.5', 'offset=x', 'limit=1&limit=2']) {
      it(`answers 400 invalid_query for ${query}`, async () => {
        const res = await client.get(`/v1/hunts/contract-hunt/leaderboard?${query}`);
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_query');
      });
    }

    it('answers 404 for an unknown hunt', async () => {
      expect((await client.get('/v1/hunts/unknown-hunt/leaderboard')).status).to.equal(404);
    });
  });

  describe('GET /v1/hunts/:slug/players/:playerId', () => {
    it('shows rank null and 0 points for a player without finds', async () => {
      const idle = await registerPlayer(client, 'idle_player');
      const res = await client.get(`/v1/hunts/contract-hunt/players/${idle.id}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ playerId: idle.id, handle: 'idle_player', rank: null, points: 0, cluesFound: 0 });
      expect(res.body.finds).to.deep.equal([]);
      expect(res.body.version).to.be.a('number');
    });

    it('reads the same progress whatever the case of the player id', async () => {
      const finder = await registerPlayer(client, 'case_finder');
      await answer(client, 'contract-hunt', hunt.clues[0]!.id, finder.token, 'golden gate');
      // Published with its rank: before that, the find shows at once (read-your-writes) and the
      // republished leaderboard may land between the two reads.
      const lower = await eventually(async () => {
        const res = await client.get(`/v1/hunts/contract-hunt/players/${finder.id}`);
        return res.body.points === 10 && res.body.rank !== null ? res : undefined;
      }, 'progress published');
      const upper = await client.get(`/v1/hunts/contract-hunt/players/${finder.id.toUpperCase()}`);
      expect(upper.body).to.deep.equal(lower.body);
    });

    it('answers 404 for an unknown player and 400 for an id that is not a UUID', async () => {
      const unknown = await client.get('/v1/hunts/contract-hunt/players/00000000-0000-4000-8000-000000000000');
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error).to.equal('not_found');
      const bad = await client.get('/v1/hunts/contract-hunt/players/not-a-uuid');
      expect(bad.status).to.equal(400);
    });
  });

  describe('admin routes', () => {
    it('refuse a missing token, a wrong token and a player token with 401', async () => {
      const player = await registerPlayer(client, 'sneaky');
      for (const token of [undefined, 'wrong', player.token]) {
        const res = await client.post('/v1/admin/hunts', { slug: 'x-hunt', title: 'x', clues: [] }, token ? { token } : {});
        expect(res.status).to.equal(401);
        expect(res.body.error).to.equal('unauthorized');
      }
    });

    it('create a hunt with clue ids and positions, and refuse a taken slug with 409 slug_taken', async () => {
      const created = await createHunt(client, 'admin-made', [{ answers: ['a1'] }, { answers: ['b2'] }, { answers: ['c3'] }]);
      expect(created.slug).to.equal('admin-made');
      expect(created.clues.map((c) => c.position)).to.deep.equal([1, 2, 3]);
      const again = await client.post('/v1/admin/hunts', { slug: 'admin-made', title: 't', clues: [] }, { token: ADMIN_TOKEN });
      expect(again.status).to.equal(409);
      expect(again.body.error).to.equal('slug_taken');
    });

    for (const [label, body] of [
      ['a bad slug', { slug: 'Bad Slug', title: 't', clues: [] }],
      ['zero points', { slug: 'zero-points', title: 't', clues: [{ title: 'c', body: 'b', points: 0, answers: ['a'] }] }],
      ['an answer that normalizes to nothing', { slug: 'empty-answer', title: 't', clues: [{ title: 'c', body: 'b', points: 1, answers: ['!!!'] }] }],
      ['an end before the start', { slug: 'backwards', title: 't', startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z', clues: [] }],
      ['an unknown field', { slug: 'extra-field', title: 't', clues: [], color: 'red' }],
      ['a bad status', { slug: 'bad-status', title: 't', status: 'paused', clues: [] }],
    ] as const) {
      it(`refuse ${label} with 400 invalid_body`, async () => {
        const res = await client.post('/v1/admin/hunts', body, { token: ADMIN_TOKEN });
        expect(res.status, res.text).to.equal(400);
        expect(res.body.error).to.equal('invalid_body');
      });
    }

    it('allow draft→live, live→ended, ended→live and refuse anything else with 409 invalid_transition', async () => {
      await createHunt(client, 'lifecycle', [{ answers: ['z'] }], { status: 'draft' });
      const bad = await client.patch('/v1/admin/hunts/lifecycle', { status: 'ended' }, { token: ADMIN_TOKEN });
      expect(bad.status).to.equal(409);
      expect(bad.body.error).to.equal('invalid_transition');
      for (const status of ['live', 'ended', 'live']) {
        const res = await client.patch('/v1/admin/hunts/lifecycle', { status }, { token: ADMIN_TOKEN });
        expect(res.status, res.text).to.equal(200);
        expect(res.body).to.include({ slug: 'lifecycle', status });
      }
      const toDraft = await client.patch('/v1/admin/hunts/lifecycle', { status: 'draft' }, { token: ADMIN_TOKEN });
      expect(toDraft.status).to.equal(409);
      expect((await client.patch('/v1/admin/hunts/nope-hunt', { status: 'live' }, { token: ADMIN_TOKEN })).status).to.equal(404);
    });

    it('trigger refreshes with 202 and a job id, coalescing into a waiting job, and report the job', async () => {
      const one = await client.post('/v1/admin/refresh', { hunt: 'contract-hunt' }, { token: ADMIN_TOKEN });
      expect(one.status).to.equal(202);
      expect(one.body.jobId).to.match(/^[0-9a-f-]{36}$/);
      const job = await eventually(async () => {
        const res = await client.get(`/v1/admin/jobs/${one.body.jobId}`, { token: ADMIN_TOKEN });
        return res.body.state === 'completed' ? res : undefined;
      }, 'job completed');
      expect(job.status).to.equal(200);
      expect(job.body).to.include({ id: one.body.jobId, name: 'refresh-hunt', state: 'completed' });
      expect(job.body.createdAt).to.match(RFC3339_MS);
      expect(job.body.completedAt).to.match(RFC3339_MS);
      expect(job.body.output).to.be.an('object');

      const full = await client.post('/v1/admin/refresh', undefined, { token: ADMIN_TOKEN });
      expect(full.status).to.equal(202);
      expect((await client.get(`/v1/admin/jobs/${full.body.jobId}`, { token: ADMIN_TOKEN })).body.name).to.equal('full-rebuild');
      // A body that is not JSON is refused, not mistaken for "no body, rebuild everything".
      const form = await client.request('POST', '/v1/admin/refresh', { raw: 'hunt=contract-hunt', token: ADMIN_TOKEN, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(form.status).to.equal(400);
      expect(form.body.error).to.equal('invalid_body');
      expect((await client.post('/v1/admin/refresh', { hunt: 'missing-hunt' }, { token: ADMIN_TOKEN })).status).to.equal(404);
      expect((await client.get('/v1/admin/jobs/00000000-0000-4000-8000-000000000000', { token: ADMIN_TOKEN })).status).to.equal(404);
    });
  });

  describe('body limits', () => {
    const answersPath = () => `/v1/hunts/contract-hunt/clues/${hunt.clues[0]!.id}/answers`;
    let player: { id: string; token: string };
    before(async () => { player = await registerPlayer(client, 'body_limits'); });

    it('refuse a body past the route\'s limit with 413 invalid_body, announced or chunked, on every route that reads one', async () => {
      const cases: [string, string, Record<string, unknown>, string | undefined][] = [
        ['POST', '/v1/players', { handle: 'too_big', displayName: 'x'.repeat(5 * 1024) }, undefined],
        ['POST', answersPath(), { answer: 'x'.repeat(5 * 1024) }, player.token],
        ['PATCH', '/v1/admin/hunts/contract-hunt', { status: 'live', padding: 'x'.repeat(17 * 1024) }, ADMIN_TOKEN],
        ['POST', '/v1/admin/refresh', { hunt: 'contract-hunt', padding: 'x'.repeat(17 * 1024) }, ADMIN_TOKEN],
        ['POST', '/v1/admin/hunts', { slug: 'huge-hunt', title: 't', description: 'x'.repeat(1024 * 1024), clues: [] }, ADMIN_TOKEN],
      ];
      for (const [method, path, body, token] of cases) {
        const announced = await client.request(method, path, { body, token });
        expect([announced.status, announced.body.error], `${method} ${path}`).to.deep.equal([413, 'invalid_body']);
        const chunked = await rawRequest(client.base, method, path, { body: JSON.stringify(body), headers: token ? { authorization: `Bearer ${token}` } : {} });
        expect([chunked.status, chunked.body.error], `${method} ${path}, chunked`).to.deep.equal([413, 'invalid_body']);
      }
    });

    it('take what each route needs: the longest answer, and an answer-sized body on the admin hunt route', async () => {
      // 1,000 characters of 3 bytes each: the longest answer as UTF-8.
      expect((await answer(client, 'contract-hunt', hunt.clues[0]!.id, player.token, '中'.repeat(1000))).status).to.equal(200);
      const answerSized = { answer: 'x'.repeat(5 * 1024) };
      expect((await client.post(answersPath(), answerSized, { token: player.token })).status).to.equal(413);
      // Past the size check, refused by the schema.
      const sameToAdmin = await client.post('/v1/admin/hunts', answerSized, { token: ADMIN_TOKEN });
      expect([sameToAdmin.status, sameToAdmin.body.error]).to.deep.equal([400, 'invalid_body']);
      await createHunt(client, 'wordy-hunt', [{ answers: ['w'], body: 'x'.repeat(10_000) }], { description: 'x'.repeat(10_000), status: 'draft' });
    });

    it('answer an unauthenticated 10 MB upload with 401 without reading it, and close the connection', async () => {
      for (const path of [answersPath(), '/v1/admin/hunts']) {
        // The first 64 KiB of the 10 MB announced: the answer cannot wait for the rest.
        const res = await rawRequest(client.base, 'POST', path, { body: `{"answer":"${'x'.repeat(64 * 1024)}`, declared: 10 * 1024 * 1024 });
        expect([res.status, res.body.error], path).to.deep.equal([401, 'unauthorized']);
        expect(res.afterMs).to.be.below(2000);
        expect(res.headers.connection).to.equal('close');
        await res.socketClosed;
      }
      // A client that sends it all as fast as it can gets the same answer.
      const upload = await client.request('POST', answersPath(), { raw: 'x'.repeat(10 * 1024 * 1024), headers: { 'content-type': 'application/json' } });
      expect(upload.status).to.equal(401);
    });
  });

  describe('security headers and CORS', () => {
    it('sends security headers on snapshot reads, express routes and errors', async () => {
      for (const res of [await client.get('/v1/hunts'), await client.post('/v1/players', {}), await client.get('/healthz')]) {
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
        expect(res.headers.get('x-frame-options')).to.equal('DENY');
        expect(res.headers.get('content-security-policy')).to.include("default-src 'none'");
        expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
        expect(res.headers.get('x-powered-by')).to.equal(null);
      }
    });

    it('allows no other origin by default', async () => {
      const res = await client.get('/v1/hunts', { headers: { origin: 'https://elsewhere.example' } });
      expect(res.headers.get('access-control-allow-origin')).to.equal(null);
      const preflight = await client.request('OPTIONS', '/v1/players', { headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-origin')).to.equal(null);
    });

    it('allows the origins listed in CORS_ORIGINS, and only those', async () => {
      const other = await startEngine(db.url, { worker: false, config: { corsOrigins: ['https://play.example'] } });
      try {
        const c = new Client(other.url);
        const allowed = await c.get('/v1/hunts', { headers: { origin: 'https://play.example' } });
        expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://play.example');
        expect(allowed.headers.get('access-control-expose-headers')).to.include('ETag');
        expect(allowed.headers.get('vary')).to.include('Origin');
        const preflight = await c.request('OPTIONS', '/v1/players', { headers: { origin: 'https://play.example', 'access-control-request-method': 'POST' } });
        expect(preflight.status).to.equal(204);
        expect(preflight.headers.get('access-control-allow-methods')).to.include('POST');
        expect(preflight.headers.get('access-control-allow-headers')).to.include('Authorization');
        const refused = await c.get('/v1/hunts', { headers: { origin: 'https://evil.example' } });
        expect(refused.headers.get('access-control-allow-origin')).to.equal(null);
      } finally {
        await other.stop();
      }
    });
  });

  describe('health', () => {
    it('serves /healthz, /readyz with the database state, and /metrics', async () => {
      expect((await client.get('/healthz')).status).to.equal(200);
      const ready = await client.get('/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.include({ status: 'ready', database: 'up' });
      const metrics = await client.get('/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.text).to.include('treasure_http_request_duration_seconds_bucket{le="0.00005"');
      expect(metrics.text).to.include('treasure_snapshot_age_seconds');
      expect(metrics.text).to.include('treasure_published_refresh_duration_seconds');
    });

    it('answers a snapshot route that fails with 500 internal as JSON, counts it, and keeps serving', async () => {
      const key = docKeys.leaderboard('contract-hunt');
      const board = engine.api.store.boards.get(key)!;
      const failures = async () => sample((await client.get('/metrics')).text, 'treasure_http_request_duration_seconds_count',
        { route: '/v1/hunts/:slug/leaderboard', status: '500' });
      const before = await failures();
      // A board whose pages cannot be read: the route throws, as a bug in it would.
      engine.api.store.boards.set(key, { ...board, pages: undefined as never, responses: new Map() });
      try {
        const res = await client.get('/v1/hunts/contract-hunt/leaderboard');
        expect(res.status).to.equal(500);
        expect(res.body).to.deep.equal({ error: 'internal', message: 'internal error' });
      } finally {
        engine.api.store.boards.set(key, board);
      }
      expect(await failures()).to.equal(before + 1);
      expect((await client.get('/v1/hunts/contract-hunt/leaderboard')).status).to.equal(200);
    });

    it('answers unknown routes with 404 not_found as JSON', async () => {
      const res = await client.get('/v2/nothing');
      expect(res.status).to.equal(404);
      expect(res.body.error).to.equal('not_found');
    });
  });
});
