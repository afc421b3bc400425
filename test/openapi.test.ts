// The OpenAPI document (GET /openapi.json, src/api/openapi.ts): a valid OpenAPI 3.1 document, with
// every route the servers have, and true to the API: every documented operation is called on a real
// engine and every response is checked against the document (test/support/openapi-check.ts).
// test/api-contract.test.ts checks every response its own tests receive the same way.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createApp, type AppContext } from '../src/api/app.ts';
import { buildOpenApiDocument, documentedRoutes, MAX_PAGE_LIMIT } from '../src/api/openapi.ts';
import { matchOwnViewRoute, OWN_VIEW_ROUTE } from '../src/api/own-view-route.ts';
import { matchSnapshotRoute } from '../src/api/snapshot-routes.ts';
import { Client, startRecording, stopRecording, type Exchange } from './support/client.ts';
import { ADMIN_TOKEN, eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { OpenApiChecker, openApiSchemaProblems } from './support/openapi-check.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const admin = { token: ADMIN_TOKEN };

/** Express routes as registered, "get /v1/admin/hunts/:slug", mounted routers included. */
function expressRoutes(): string[] {
  // Routes are registered at construction; the context is only read by handlers.
  const app = createApp({ trustProxy: false } as unknown as AppContext) as unknown as { router: { stack: Layer[] } };
  interface Layer { rawPath?: unknown; route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } }
  const walk = (stack: Layer[], prefix: string): string[] => stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).map((method) => `${method} ${prefix}${layer.route!.path}`);
    if (!layer.handle.stack) return []; // middleware
    if (typeof layer.rawPath !== 'string') throw new Error('a router mounted on a path this test cannot read');
    return walk(layer.handle.stack, prefix + layer.rawPath);
  });
  return walk(app.router.stack, '');
}

/** The fast path's route templates, read from the SnapshotRoute type's source (it exists only as a type). */
function snapshotRouteTemplates(): string[] {
  const source = readFileSync(new URL('../src/api/snapshot-routes.ts', import.meta.url), 'utf8');
  const union = /export type SnapshotRoute =([^;]+);/.exec(source)?.[1];
  if (!union) throw new Error('SnapshotRoute not found in snapshot-routes.ts');
  return [...union.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

/** A concrete path for a `:param` template. */
const sample = (template: string) => template.replace(/:([A-Za-z]+)/g, (_, name: string) =>
  (name === 'slug' ? 'some-hunt' : name === 'n' ? '1' : '00000000-0000-4000-8000-000000000000'));

describe('OpenAPI document', () => {
  describe('as a document', () => {
    it('is valid against the OpenAPI 3.1 schema', () => {
      const doc = buildOpenApiDocument();
      expect(doc.openapi).to.equal('3.1.0');
      expect(openApiSchemaProblems(doc)).to.deep.equal([]);
      // And its schemas are valid JSON Schema 2020-12, OpenAPI 3.1's dialect.
      expect(new OpenApiChecker(doc).compileAll()).to.be.above(100);
    });

    it('fails the OpenAPI 3.1 schema when broken', () => {
      const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, { responses?: unknown }>> };
      // A response without its (required) description.
      delete (doc.paths['/v1/hunts']!.get!.responses as Record<string, { description?: string }>)['200']!.description;
      expect(openApiSchemaProblems(doc)).not.to.deep.equal([]);
    });

    it('describes every express route and every fast-path route, and nothing else', () => {
      const documented = documentedRoutes().map(({ method, path }) => `${method} ${path}`).sort();
      const fastPath = [...snapshotRouteTemplates(), OWN_VIEW_ROUTE].map((path) => `get ${path}`);
      const served = [...expressRoutes(), ...fastPath].sort();
      expect(served.filter((route) => !documented.includes(route)), 'served but not documented').to.deep.equal([]);
      expect(documented.filter((route) => !served.includes(route)), 'documented but not served').to.deep.equal([]);
    });

    it('sends each documented GET path to the server that documents it', () => {
      // The fast path answers before express: a documented express GET it would take is not served by express.
      for (const { method, path } of documentedRoutes().filter((r) => r.method === 'get')) {
        const fast = matchSnapshotRoute(sample(path))?.route ?? (matchOwnViewRoute(sample(path)) !== undefined ? OWN_VIEW_ROUTE : undefined);
        const expected = snapshotRouteTemplates().includes(path) || path === OWN_VIEW_ROUTE ? path : undefined;
        expect(fast, `${method} ${path}`).to.equal(expected);
      }
    });
  });

  describe('against a real engine', () => {
    let db: TestDatabase;
    let engine: Engine;
    let client: Client;
    let exchanges: Exchange[];
    const checker = new OpenApiChecker();

    before(async () => {
      db = await createTestDatabase('openapi');
      engine = await startEngine(db.url, { config: { claimRateLimit: 3 } });
      client = new Client(engine.url);
      exchanges = startRecording();
    });

    after(async () => {
      stopRecording();
      await engine?.stop();
      await db?.drop();
    });

    it('serves the document at /openapi.json, cacheable, with a validator', async () => {
      const res = await client.get('/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('public, max-age=300');
      expect(res.body).to.deep.equal(buildOpenApiDocument());
      const again = await client.get('/openapi.json', { headers: { 'if-none-match': res.headers.get('etag')! } });
      expect(again.status).to.equal(304);
    });

    it('documents the paging bounds the leaderboard enforces', async () => {
      await createHunt(client, 'oa-bounds', [{ answers: ['x'] }]);
      await eventually(async () => ((await client.get('/v1/hunts/oa-bounds')).status === 200 ? true : undefined), 'hunt published');
      expect((await client.get(`/v1/hunts/oa-bounds/leaderboard?limit=${MAX_PAGE_LIMIT}`)).status).to.equal(200);
      expect((await client.get(`/v1/hunts/oa-bounds/leaderboard?limit=${MAX_PAGE_LIMIT + 1}`)).status).to.equal(400);
    });

    it('agrees with every response of a solo hunt played through', async () => {
      const hunt = await createHunt(client, 'oa-solo', [
        { answers: ['one'], hints: [{ text: 'it is a number', cost: 5 }] },
        { answers: ['two'], unlock: { afterClues: [1] }, hints: [{ text: 'after one', cost: 1 }] },
        { answers: ['three'], hints: [{ text: 'first', cost: 1 }, { text: 'second', cost: 2 }] },
      ]);
      const [c1, c2, c3] = hunt.clues.map((c) => c.id);
      const alice = await registerPlayer(client, 'oa_alice');
      const bob = await registerPlayer(client, 'oa_bob');
      expect((await client.post('/v1/players', { handle: 'OA_ALICE' })).status).to.equal(409);

      expect((await answer(client, 'oa-solo', c1!, alice.token, 'wrong')).body.correct).to.equal(false);
      expect((await answer(client, 'oa-solo', c1!, alice.token, 'One!')).body.correct).to.equal(true);
      expect((await answer(client, 'oa-solo', c2!, bob.token, 'two')).status).to.equal(409);
      expect((await answer(client, 'oa-solo', c1!, 'no-such-token', 'one')).status).to.equal(401);
      expect((await client.post(`/v1/hunts/oa-solo/clues/${c3}/hints/1`, undefined, { token: alice.token })).status).to.equal(200);
      expect((await client.post(`/v1/hunts/oa-solo/clues/${c3}/hints/3`, {}, { token: alice.token })).status).to.equal(404);
      expect((await client.post(`/v1/hunts/oa-solo/clues/${c3}/hints/0`, {}, { token: alice.token })).status).to.equal(400);
      expect((await client.post(`/v1/hunts/oa-solo/clues/${c2}/hints/1`, {}, { token: bob.token })).status).to.equal(409);
      // Found already: its hints are no longer sold.
      expect((await client.post(`/v1/hunts/oa-solo/clues/${c1}/hints/1`, {}, { token: alice.token })).status).to.equal(409);

      // Moving to another device, and the claim limit (3 a minute here).
      const code = await client.post('/v1/me/transfer-codes', undefined, { token: alice.token });
      expect(code.status).to.equal(201);
      expect((await client.post('/v1/players/claim', { code: code.body.code })).status).to.equal(200);
      expect((await client.post('/v1/players/claim', { code: code.body.code })).status).to.equal(404);
      await client.post('/v1/players/claim', { code: 'AAAA-BBBB-CC' });
      const limited = await client.post('/v1/players/claim', { code: 'AAAA-BBBB-CC' });
      expect(limited.status).to.equal(429);

      // Public reads once published, then again with their validators.
      await eventually(async () => {
        const board = await client.get('/v1/hunts/oa-solo/leaderboard');
        return board.body.entries?.length === 1 ? board : undefined;
      }, 'alice on the leaderboard');
      for (const path of ['/v1/hunts', '/v1/hunts/oa-solo', '/v1/hunts/oa-solo/leaderboard?limit=5&offset=0', '/v1/hunts/oa-solo/feed',
        `/v1/hunts/oa-solo/players/${alice.id}`, `/v1/hunts/oa-solo/players/${bob.id}`]) {
        // A publish may land between the two reads (the index follows within a second): read again.
        await eventually(async () => {
          const res = await client.get(path);
          expect(res.status, path).to.equal(200);
          return (await client.get(path, { headers: { 'if-none-match': res.headers.get('etag')! } })).status === 304 ? true : undefined;
        }, `304 for ${path}`);
        expect((await client.request('HEAD', path)).status, path).to.equal(200);
      }
      expect((await client.get('/v1/hunts/oa-solo/players/not-a-uuid')).status).to.equal(400);
      expect((await client.get('/v1/hunts/oa-solo/leaderboard?limit=0')).status).to.equal(400);
      expect((await client.get('/v1/hunts/oa-nothing/feed')).status).to.equal(404);

      const own = await client.get('/v1/me/hunts/oa-solo', { token: alice.token });
      expect(own.status).to.equal(200);
      expect((await client.get('/v1/me/hunts/oa-solo', { token: alice.token, headers: { 'if-none-match': own.headers.get('etag')! } })).status).to.equal(304);
      expect((await client.get('/v1/me/hunts/oa-solo')).status).to.equal(401);
      expect((await client.get('/v1/me/hunts/oa-nothing', { token: bob.token })).status).to.equal(404);

      // A team route of a solo hunt.
      expect((await client.post('/v1/hunts/oa-solo/teams', { name: 'Solo' }, { token: bob.token })).status).to.equal(409);
    });

    it('agrees with every response of a team hunt', async () => {
      const hunt = await createHunt(client, 'oa-team', [{ answers: ['red'] }, { answers: ['blue'] }], { mode: 'team', maxTeamSize: 2 });
      const [carol, dave, erin] = [await registerPlayer(client, 'oa_carol'), await registerPlayer(client, 'oa_dave'), await registerPlayer(client, 'oa_erin')];
      expect((await answer(client, 'oa-team', hunt.clues[0]!.id, carol.token, 'red')).status).to.equal(409);
      const team = await client.post('/v1/hunts/oa-team/teams', { name: 'Reds' }, { token: carol.token });
      expect(team.status).to.equal(201);
      expect((await client.post('/v1/hunts/oa-team/teams', { name: 'Reds' }, { token: dave.token })).status).to.equal(409);
      expect((await client.post('/v1/hunts/oa-team/teams/join', { joinCode: team.body.joinCode }, { token: dave.token })).status).to.equal(200);
      expect((await client.post('/v1/hunts/oa-team/teams/join', { joinCode: team.body.joinCode }, { token: erin.token })).status).to.equal(409);
      expect((await client.post('/v1/hunts/oa-team/teams/join', { joinCode: 'NOPE' }, { token: erin.token })).status).to.equal(404);
      expect((await answer(client, 'oa-team', hunt.clues[0]!.id, dave.token, 'red')).body.correct).to.equal(true);
      await eventually(async () => {
        const res = await client.get(`/v1/hunts/oa-team/teams/${team.body.id}`);
        return res.status === 200 && res.body.cluesFound === 1 && res.body.rank === 1 ? res : undefined;
      }, 'team published');
      await eventually(async () => {
        const res = await client.get(`/v1/hunts/oa-team/players/${dave.id}`);
        return res.status === 200 && res.body.teamId === team.body.id ? res : undefined;
      }, 'member progress');
      expect((await client.get(`/v1/hunts/oa-team/players/${erin.id}`)).status).to.equal(200);
      expect((await client.get('/v1/hunts/oa-team/leaderboard')).status).to.equal(200);
      expect((await client.get('/v1/me/hunts/oa-team', { token: dave.token })).status).to.equal(200);
      expect((await client.get('/v1/me/hunts/oa-team', { token: erin.token })).status).to.equal(200);
      expect((await client.get('/v1/hunts/oa-team/teams/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      expect((await client.post('/v1/hunts/oa-team/teams/leave', undefined, { token: dave.token })).status).to.equal(204);
      expect((await client.post('/v1/hunts/oa-team/teams/leave', undefined, { token: dave.token })).status).to.equal(409);
      expect((await client.delete(`/v1/admin/hunts/oa-team/teams/${team.body.id}/members/${carol.id}`, admin)).status).to.equal(204);
      expect((await client.delete(`/v1/admin/hunts/oa-team/teams/${team.body.id}/members/${carol.id}`, admin)).status).to.equal(404);
    });

    it('agrees with every admin response', async () => {
      const hunt = await createHunt(client, 'oa-admin', [{ answers: ['a'] }, { answers: ['b'], unlock: { afterFinds: 1 } }], { status: 'draft' });
      const frank = await registerPlayer(client, 'oa_frank');
      expect((await client.patch('/v1/admin/hunts/oa-admin', { status: 'ended' }, admin)).status).to.equal(409);
      expect((await client.patch('/v1/admin/hunts/oa-admin', { status: 'live', freezeAt: null, firstFinderBonus: [5, 2] }, admin)).status).to.equal(200);
      expect((await answer(client, 'oa-admin', hunt.clues[0]!.id, frank.token, 'a')).body.correct).to.equal(true);
      expect((await client.get('/v1/admin/hunts', admin)).status).to.equal(200);
      expect((await client.get('/v1/admin/hunts', { token: 'wrong-token' })).status).to.equal(401);
      expect((await client.get('/v1/admin/hunts/oa-admin', admin)).status).to.equal(200);
      expect((await client.get('/v1/admin/hunts/oa-nothing', admin)).status).to.equal(404);
      expect((await client.get('/v1/admin/hunts/oa-admin/leaderboard?limit=10', admin)).status).to.equal(200);
      expect((await client.patch(`/v1/admin/hunts/oa-admin/clues/${hunt.clues[1]!.id}`, { title: 'Second', addAnswers: ['bee'] }, admin)).status).to.equal(200);
      expect((await client.patch(`/v1/admin/hunts/oa-admin/clues/${hunt.clues[1]!.id}`, { points: 0 }, admin)).status).to.equal(400);
      expect((await client.patch(`/v1/admin/hunts/oa-admin/competitors/${frank.id}`, { hidden: true }, admin)).status).to.equal(200);
      expect((await client.patch(`/v1/admin/hunts/oa-admin/competitors/${frank.id}`, { hidden: false }, admin)).status).to.equal(200);
      expect((await client.post('/v1/admin/hunts/oa-admin/adjustments', { competitorId: frank.id, points: -3, reason: 'late' }, admin)).status).to.equal(201);
      const announced = await client.post('/v1/admin/hunts/oa-admin/announcements', { text: 'Hello', clueId: hunt.clues[0]!.id }, admin);
      expect(announced.status).to.equal(201);
      expect((await client.delete(`/v1/admin/hunts/oa-admin/announcements/${announced.body.id}`, admin)).status).to.equal(204);
      expect((await client.delete(`/v1/admin/hunts/oa-admin/announcements/${announced.body.id}`, admin)).status).to.equal(404);

      // Stats before and after the hunt's first stats refresh, and the job that made them.
      // (The big board is read only after a stats refresh: before one, bigboard() in admin-analytics.ts
      // returns without ending its transaction and gives the connection back to the pool inside it.)
      expect((await client.get('/v1/admin/hunts/oa-admin/stats', admin)).body.generatedAt).to.equal(null);
      const refresh = await client.post('/v1/admin/refresh', { stats: true }, admin);
      expect(refresh.status).to.equal(202);
      await eventually(async () => {
        const job = await client.get(`/v1/admin/jobs/${refresh.body.jobId}`, admin);
        return job.body.state === 'completed' ? job : undefined;
      }, 'stats refreshed');
      expect((await client.get('/v1/admin/hunts/oa-admin/stats', admin)).body.clues).to.have.length(2);
      expect((await client.get('/v1/admin/hunts/oa-admin/bigboard', admin)).body.competitors).to.have.length(1);
      expect((await client.get('/v1/admin/jobs/not-a-uuid', admin)).status).to.equal(400);
      expect((await client.post('/v1/admin/refresh', { hunt: 'oa-admin' }, admin)).status).to.equal(202);
      const csv = await client.get('/v1/admin/hunts/oa-admin/standings.csv', admin);
      expect(csv.status).to.equal(200);
      expect(csv.text).to.include(frank.id);
      expect((await client.post('/v1/admin/hunts', { slug: 'oa-admin', title: 'again', clues: [] }, admin)).status).to.equal(409);
    });

    it('agrees with the operations routes, unknown routes and an event stream', async () => {
      expect((await client.get('/healthz')).status).to.equal(200);
      expect((await client.get('/readyz')).status).to.equal(200);
      expect((await client.get('/metrics')).status).to.equal(200);
      expect((await client.get('/v2/nothing')).status).to.equal(404);
      expect((await client.get('/v1/admin/nothing')).status).to.equal(401);
      expect((await client.request('PUT', '/v1/players', { body: {} })).status).to.equal(404);
      exchanges.push(await firstEvent(engine.url, '/v1/hunts/oa-solo/events'));
    });

    it('is true to every response above, and each documented operation was answered with a success', () => {
      expect(exchanges.length).to.be.above(100);
      expect(checker.check(exchanges), 'responses that disagree with the document').to.deep.equal([]);
      const { never, noSuccess } = checker.unreached();
      expect(never, 'documented operations never called').to.deep.equal([]);
      expect(noSuccess, 'documented operations never answered with a success').to.deep.equal([]);
    });

    it('catches a response that drifts from the document', () => {
      const detail = exchanges.find((e) => e.method === 'GET' && e.path === '/v1/hunts/oa-solo' && e.reply.status === 200)!;
      const withBody = (body: object) => ({ ...detail, reply: { ...detail.reply, text: JSON.stringify(body) } });
      const { findCount: _, ...withoutField } = detail.reply.body;
      const headers = new Headers(detail.reply.headers);
      headers.delete('etag');
      const drifted: [string, Exchange][] = [
        ['an extra field', withBody({ ...detail.reply.body, extra: 1 })],
        ['a missing field', withBody(withoutField)],
        ['a wrong type', withBody({ ...detail.reply.body, clueCount: '3' })],
        ['an undocumented status', { ...detail, reply: { ...detail.reply, status: 418 } }],
        ['a missing header', { ...detail, reply: { ...detail.reply, headers } }],
        ['an undocumented header', { ...detail, reply: { ...detail.reply, headers: new Headers([...detail.reply.headers, ['retry-after', '1']]) } }],
      ];
      expect(checker.check([detail])).to.deep.equal([]);
      for (const [what, exchange] of drifted) expect(checker.check([exchange]), what).to.have.length.greaterThan(0);
    });
  });
});

/** Opens an event stream, takes its first bytes (the `retry:` line) and closes it, as an exchange to check. */
function firstEvent(base: string, path: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, (res) => {
      res.setEncoding('utf8').once('data', (text: string) => {
        const headers = new Headers(Object.entries(res.headers).flatMap(([name, value]) =>
          (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value] as [string, string]])));
        resolve({ method: 'GET', path, requestHeaders: {}, reply: { status: res.statusCode!, headers, body: undefined, text } });
        req.destroy();
      });
    });
    req.on('error', reject);
  });
}
