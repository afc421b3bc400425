// Thousands of random and hostile requests against every route: only client errors come back
// (never a 5xx), the process keeps answering, and nothing changes in the database except what
// the few valid requests among them were allowed to do.
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { seededRandom } from './support/seeded-random.ts';
import { ADMIN_TOKEN, eventually, startEngine, type Engine } from './support/engine.ts';
import { createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const HOSTILE_STRINGS = [
  "'; drop table players; --", "' or '1'='1", '$1', '%00', '\u0000', '../../etc/passwd', '..%2f..%2f', '%2e%2e/',
  '<script>alert(1)</script>', '{{7*7}}', '${7*7}', 'a'.repeat(5000), '🎉'.repeat(300), '\u202e\u200b\ufeff',
  'Ω≈ç√∫', 'ß', '\ud800', 'null', 'true', '-1', '1e309', 'NaN', '00000000-0000-0000-0000-000000000000', ' ', '',
];
const HOSTILE_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e308, [], {}, [1, 2], { $gt: '' }, { __proto__: { admin: true } }, 'x'.repeat(2000),
  ...HOSTILE_STRINGS,
];

describe('hostile input', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('hostile');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  async function tableCounts() {
    const { rows } = await pool.query(`select
      (select count(*) from hunts)::int as hunts, (select count(*) from clues)::int as clues,
      (select count(*) from players)::int as players, (select count(*) from submissions)::int as submissions,
      (select count(*) from finds)::int as finds, (select count(*) from competitors)::int as participants`);
    return rows[0];
  }

  it('answers thousands of random and hostile requests with client errors only, and changes nothing', async () => {
    const hunt = await createHunt(client, 'fortress', [{ answers: ['gate'] }]);
    const player = await registerPlayer(client, 'defender');
    await eventually(async () => ((await client.get('/v1/hunts/fortress')).status === 200 ? true : undefined), 'published');
    const before = await tableCounts();
    const rnd = seededRandom(1234);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    // A lone surrogate cannot be URI-encoded; send a malformed escape in its place.
    const segment = () => {
      try { return encodeURIComponent(pick(HOSTILE_STRINGS)).slice(0, 300) || 'x'; } catch { return '%E0%A4%A'; }
    };
    const paths = () => pick([
      `/v1/hunts/${segment()}`, `/v1/hunts/fortress/leaderboard?limit=${segment()}&offset=${segment()}`,
      `/v1/hunts/${segment()}/leaderboard`, `/v1/hunts/fortress/players/${segment()}`,
      `/v1/hunts/${segment()}/players/${player.id}`, `/v1/hunts/fortress/clues/${segment()}/answers`,
      `/v1/hunts/${segment()}/clues/${hunt.clues[0]!.id}/answers`, `/v1/players`, `/v1/admin/hunts`,
      `/v1/admin/hunts/${segment()}`, `/v1/admin/refresh`, `/v1/admin/jobs/${segment()}`, `/${segment()}`,
      `/v1/hunts/fortress/clues/${hunt.clues[0]!.id}/answers`, `/v1/hunts//leaderboard`, `/v1/../v1/hunts`,
    ]);
    const bodyFor = (): { raw?: string; body?: unknown } => {
      const r = rnd();
      if (r < 0.15) return { raw: pick(['{', '[', '{"a":', 'not json', '\u0000', '{"answer": "gate"', '']) };
      if (r < 0.3) return { body: pick(HOSTILE_VALUES) };
      const keys = ['answer', 'handle', 'displayName', 'slug', 'title', 'clues', 'status', 'startsAt', 'endsAt', 'hunt', 'extra', '__proto__', 'constructor'];
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) obj[pick(keys)] = pick(HOSTILE_VALUES);
      return { body: obj };
    };

    const failures: string[] = [];
    let requests = 0;
    for (let round = 0; round < 60; round++) {
      await Promise.all(Array.from({ length: 40 }, async () => {
        const method = pick(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'POST', 'POST']);
        const path = paths();
        const payload = method === 'GET' || method === 'HEAD' ? {} : bodyFor();
        // Wrong or hostile credentials: a player's token on admin routes, garbage, or none.
        const token = pick([undefined, player.token, 'garbage', "' or 1=1 --", 'x'.repeat(600)]);
        const contentType = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined]);
        const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
        const res = await client.request(method, path, { ...payload, ...(token ? { token } : {}), headers });
        requests++;
        if (res.status >= 500) failures.push(`${method} ${path} -> ${res.status} ${res.text.slice(0, 120)}`);
        if (res.status >= 400 && method !== 'HEAD' && (typeof res.body?.error !== 'string' || typeof res.body?.message !== 'string')) {
          failures.push(`${method} ${path} -> ${res.status} without an error body: ${res.text.slice(0, 80)}`);
        }
      }));
    }
    expect(failures.slice(0, 10)).to.deep.equal([]);
    expect(requests).to.equal(2400);

    // Still up, still serving, and the data is what it was except for valid answers by the
    // player (the only valid credentials sent), which may have added its submissions and find.
    expect((await client.get('/healthz')).status).to.equal(200);
    expect((await client.get('/v1/hunts/fortress')).status).to.equal(200);
    const after = await tableCounts();
    expect({ ...after, submissions: 0, finds: 0, participants: 0 }).to.deep.equal({ ...before, submissions: 0, finds: 0, participants: 0 });
    expect(after.finds).to.be.at.most(1);
    const foreign = await pool.query(`select count(*)::int as n from submissions where player_id <> $1`, [player.id]);
    expect(foreign.rows[0].n).to.equal(0);
    // The admin token was never sent, so no hunt, player or refresh job could have been made.
    expect((await pool.query(`select count(*)::int as n from pgboss.job where data->>'reason' = 'admin'`)).rows[0].n).to.equal(0);
    expect(ADMIN_TOKEN).to.be.a('string');
  });
});
