// Moving to another device: POST /v1/me/transfer-codes gives a player a single-use code valid 10
// minutes; POST /v1/players/claim trades it for a new token of the same player, the old one still
// working. Codes and tokens are stored only as hashes; claims are limited per client address; every
// API process knows a claimed token (at once where it was claimed, from its load and poll
// elsewhere); expired codes are pruned by the worker.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { LookupBudget } from '../src/api/lookup-budget.ts';
import { PlayerDirectory } from '../src/api/player-directory.ts';
import { startApi, type ApiHandle } from '../src/api/server.ts';
import { createPool } from '../src/core/db.ts';
import { createLogger } from '../src/core/logger.ts';
import { pruneTransferCodes } from '../src/core/transfer-codes.ts';
import { startWorker } from '../src/worker/worker.ts';
import { Client, type Reply } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const RFC3339_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CODE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}$/;
const TEN_MINUTES = 10 * 60_000;

/** What the database holds of a code: the SHA-256 of its normalized form. */
const codeHash = (code: string) => createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase()).digest();

describe('transfer codes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let other: ApiHandle;
  let client: Client;
  let pool: pg.Pool;
  let hunt: { slug: string; clues: { id: string }[] };
  let handles = 0;

  const newPlayer = () => registerPlayer(client, `mover_${++handles}`);
  const createCode = (token?: string, via = client) => via.post('/v1/me/transfer-codes', undefined, token === undefined ? {} : { token });
  const claim = (code: unknown, via = client) => via.post('/v1/players/claim', { code });
  async function codeFor(token: string): Promise<string> {
    const res = await createCode(token);
    expect(res.status, res.text).to.equal(201);
    return res.body.code as string;
  }
  function expectNotFound(res: Reply) {
    expect(res.status, res.text).to.equal(404);
    expect(res.body.error).to.equal('not_found');
  }

  before(async () => {
    db = await createTestDatabase('transfer_codes');
    engine = await startEngine(db.url, { worker: false });
    other = await startApi({ ...testConfig(db.url), adminToken: ADMIN_TOKEN, answerHashKey: ANSWER_HASH_KEY }, { log: createLogger('api', 'error') });
    client = new Client(engine.url);
    pool = createPool(db.url, 4, 'test');
    hunt = await createHunt(client, 'moving-day', Array.from({ length: 12 }, (_, i) => ({ answers: [`box ${i + 1}`] })));
  });

  after(async () => {
    await pool?.end();
    await other?.stop();
    await engine?.stop();
    await db?.drop();
  });

  it('creates a code: 201 { code, expiresAt } about 10 minutes ahead, private', async () => {
    const player = await newPlayer();
    const before = Date.now();
    const res = await createCode(player.token);
    expect(res.status, res.text).to.equal(201);
    expect(Object.keys(res.body).sort()).to.deep.equal(['code', 'expiresAt']);
    expect(res.body.code).to.match(CODE);
    expect(res.body.expiresAt).to.match(RFC3339_MS);
    const expiresAt = Date.parse(res.body.expiresAt);
    expect(expiresAt).to.be.within(before + TEN_MINUTES - 5000, Date.now() + TEN_MINUTES + 5000);
    expect(res.headers.get('cache-control')).to.equal('private, no-store');
  });

  it('claims a code: 200 with the same player and a new token; both tokens answer clues', async () => {
    const player = await newPlayer();
    const code = await codeFor(player.token);
    const res = await claim(code);
    expect(res.status, res.text).to.equal(200);
    expect(Object.keys(res.body).sort()).to.deep.equal(['handle', 'id', 'token']);
    expect(res.body).to.include({ id: player.id, handle: player.handle });
    expect(res.body.token).to.be.a('string').and.not.equal(player.token);
    expect(res.headers.get('cache-control')).to.equal('private, no-store');

    const withOld = await answer(client, hunt.slug, hunt.clues[0]!.id, player.token, 'box 1');
    expect(withOld.status, withOld.text).to.equal(200);
    expect(withOld.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    const withNew = await answer(client, hunt.slug, hunt.clues[1]!.id, res.body.token, 'box 2');
    expect(withNew.status, withNew.text).to.equal(200);
    expect(withNew.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    // The same player: the new token sees the old token's find as theirs.
    const again = await answer(client, hunt.slug, hunt.clues[0]!.id, res.body.token, 'box 1');
    expect(again.body).to.include({ correct: true, alreadyFound: true });
    // And a claimed token can itself ask for a code.
    expect((await createCode(res.body.token)).status).to.equal(201);
  });

  it('accepts a code in any case, with or without the dashes, with spaces', async () => {
    for (const typed of [(c: string) => c.toLowerCase(), (c: string) => c.replace(/-/g, ''), (c: string) => ` ${c.replace(/-/g, ' ').toLowerCase()} `]) {
      const player = await newPlayer();
      const code = await codeFor(player.token);
      const res = await claim(typed(code));
      expect(res.status, `${typed(code)}: ${res.text}`).to.equal(200);
      expect(res.body.id).to.equal(player.id);
    }
  });

  it('refuses a second claim of the same code with 404 not_found', async () => {
    const player = await newPlayer();
    const code = await codeFor(player.token);
    expect((await claim(code)).status).to.equal(200);
    expectNotFound(await claim(code));
    expectNotFound(await claim(code.toLowerCase()));
  });

  it('answers 404 not_found for an unknown code, well-formed or not', async () => {
    for (const code of ['ZZZZ-ZZZZ-ZZ', '2345-6789-AB', 'not a code', '0000-OOOO-11', randomBytes(32).toString('base64url')]) {
      expectNotFound(await claim(code));
    }
  });

  it('answers 404 not_found for an expired code', async () => {
    const player = await newPlayer();
    const code = await codeFor(player.token);
    const { rowCount } = await pool.query(`update transfer_codes set expires_at = now() - interval '1 second' where code_hash = $1`, [codeHash(code)]);
    expect(rowCount).to.equal(1);
    expectNotFound(await claim(code));
  });

  it('replaces a player\'s unused code when they ask again: one live code per player', async () => {
    const player = await newPlayer();
    const first = await codeFor(player.token);
    const second = await codeFor(player.token);
    const third = await codeFor(player.token);
    expect(new Set([first, second, third]).size).to.equal(3);
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from transfer_codes where player_id = $1', [player.id]);
    expect(Number(rows[0]!.n)).to.equal(1);
    expectNotFound(await claim(first));
    expectNotFound(await claim(second));
    expect((await claim(third)).status).to.equal(200);
    // Once used, a code is no longer the player's unused one: a new code is a new row.
    await codeFor(player.token);
    const after = await pool.query<{ used: string; unused: string }>(
      `select count(*) filter (where used_at is not null) as used, count(*) filter (where used_at is null) as unused
         from transfer_codes where player_id = $1`, [player.id]);
    expect({ used: Number(after.rows[0]!.used), unused: Number(after.rows[0]!.unused) }).to.deep.equal({ used: 1, unused: 1 });
  });

  it('answers 401 unauthorized without a valid player token, with the body unread', async () => {
    for (const token of [undefined, randomBytes(32).toString('base64url'), ADMIN_TOKEN]) {
      const res = await createCode(token);
      expect(res.status, res.text).to.equal(401);
      expect(res.body.error).to.equal('unauthorized');
    }
    const res = await client.post('/v1/me/transfer-codes', {}, { headers: { authorization: 'Basic abc' } });
    expect(res.status).to.equal(401);
  });

  it('answers 400 invalid_body for malformed bodies', async () => {
    for (const body of [{}, { code: 42 }, { code: '' }, { code: null }, { code: 'x'.repeat(65) }, { code: 'ABCD-EFGH-JK', extra: true }, ['ABCD-EFGH-JK'], 'ABCD-EFGH-JK']) {
      const res = await client.post('/v1/players/claim', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error).to.equal('invalid_body');
    }
    const noBody = await client.post('/v1/players/claim');
    expect(noBody.status).to.equal(400);
    expect(noBody.body.error).to.equal('invalid_body');
    const broken = await client.request('POST', '/v1/players/claim', { raw: '{"code":', headers: { 'content-type': 'application/json' } });
    expect(broken.status).to.equal(400);
    expect(broken.body.error).to.equal('invalid_body');
    const huge = await client.post('/v1/players/claim', { code: 'x'.repeat(10_000) });
    expect(huge.status).to.equal(413);
    expect(huge.body.error).to.equal('invalid_body');
    // Asking for a code takes no input.
    const player = await newPlayer();
    const withInput = await client.post('/v1/me/transfer-codes', { ttl: 999_999 }, { token: player.token });
    expect(withInput.status).to.equal(400);
    expect(withInput.body.error).to.equal('invalid_body');
    expect((await client.post('/v1/me/transfer-codes', {}, { token: player.token })).status).to.equal(201);
  });

  it('gives exactly one 200 to concurrent claims of one code', async () => {
    for (let round = 0; round < 5; round++) {
      const player = await newPlayer();
      const code = await codeFor(player.token);
      const clients = [client, new Client(other.url)];
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(code, clients[i % 2])));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length, statuses.join(',')).to.equal(1);
      expect(statuses.filter((s) => s === 404).length, statuses.join(',')).to.equal(11);
      const { rows } = await pool.query<{ n: string }>('select count(*) as n from player_tokens where player_id = $1', [player.id]);
      expect(Number(rows[0]!.n)).to.equal(1);
    }
  });

  it('accepts a token claimed through another API process', async () => {
    const player = await newPlayer();
    const code = await codeFor(player.token);
    const claimed = await claim(code, new Client(other.url));
    expect(claimed.status, claimed.text).to.equal(200);
    // This process never saw the claim: the token is looked up (or already polled), never refused.
    const res = await answer(client, hunt.slug, hunt.clues[2]!.id, claimed.body.token, 'box 3');
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    const code2 = await createCode(claimed.body.token);
    expect(code2.status, code2.text).to.equal(201);
  });

  it('holds claimed tokens in every API process\'s directory: loaded at start, polled, looked up', async () => {
    const noLookups = () => new LookupBudget(1, 0); // every lookup refused: only what is held answers
    const early = new PlayerDirectory(pool, noLookups());
    await early.start(50);
    const lazy = new PlayerDirectory(pool, new LookupBudget(1000));
    await lazy.start(3_600_000); // never polls: an unknown token is looked up
    try {
      const player = await newPlayer();
      const claimed = await claim(await codeFor(player.token), new Client(other.url));
      expect(claimed.status).to.equal(200);
      const token = claimed.body.token as string;
      const expected = { id: player.id, handle: player.handle };

      // Polled: the directory started before the claim holds it within a poll, without a lookup.
      expect(await eventually(() => early.byBearer(token).catch(() => undefined), 'the claimed token polled')).to.deep.equal(expected);
      // Looked up: the fallback query finds claimed tokens too (and first tokens as before).
      expect(await lazy.byBearer(token)).to.deep.equal(expected);
      expect(await lazy.byBearer(player.token)).to.deep.equal(expected);
      expect(await lazy.byBearer(randomBytes(32).toString('base64url'))).to.equal(undefined);
      // Loaded: a directory started after the claim holds both tokens from its start.
      const late = new PlayerDirectory(pool, noLookups());
      await late.start(3_600_000);
      try {
        expect(await late.byBearer(token)).to.deep.equal(expected);
        expect(await late.byBearer(player.token)).to.deep.equal(expected);
      } finally {
        await late.stop();
      }
    } finally {
      await early.stop();
      await lazy.stop();
    }
  });

  it('never stores a code or a token in clear', async () => {
    const player = await newPlayer();
    const code = await codeFor(player.token);
    const pending = await newPlayer();
    const unused = await codeFor(pending.token);
    const claimed = await claim(code);
    expect(claimed.status).to.equal(200);
    const tables = (await pool.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows.map((r) => r.tablename);
    expect(tables).to.include.members(['player_tokens', 'transfer_codes']);
    const dump: string[] = [];
    for (const table of tables) {
      const { rows } = await pool.query<{ row: string }>(`select row_to_json(t)::text as row from "${table}" t`);
      dump.push(...rows.map((r) => r.row));
    }
    const all = dump.join('\n');
    const lower = all.toLowerCase();
    for (const c of [code, unused]) {
      for (const needle of [c, c.replace(/-/g, '')]) expect(lower.includes(needle.toLowerCase()), `code ${needle} stored`).to.equal(false);
    }
    for (const token of [player.token, pending.token, claimed.body.token as string]) expect(all.includes(token), 'a token stored').to.equal(false);
    // What is stored: hashes.
    expect((await pool.query('select 1 from transfer_codes where code_hash = $1 and used_at is not null', [codeHash(code)])).rowCount).to.equal(1);
    expect((await pool.query('select 1 from transfer_codes where code_hash = $1 and used_at is null', [codeHash(unused)])).rowCount).to.equal(1);
    const tokenHash = createHash('sha256').update(claimed.body.token as string).digest();
    expect((await pool.query('select 1 from player_tokens where token_hash = $1 and player_id = $2', [tokenHash, player.id])).rowCount).to.equal(1);
  });

  it('limits claims per client address per minute (CLAIM_RATE_LIMIT), failed claims included', async () => {
    const LIMIT = 3;
    const limited = await startEngine(db.url, { worker: false, config: { claimRateLimit: LIMIT } });
    try {
      const c = new Client(limited.url);
      const player = await newPlayer();
      const code = await codeFor(player.token);
      // The claims below must fall in one minute's window; earlier tests claimed from this address.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      await pool.query(`delete from rate_windows where scope = 'claim'`);
      const statuses = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await claim(`ZZZZ-ZZZZ-${'ABCDEFGH'[i]}Z`, c)).status);
      expect(statuses, 'unknown codes count too').to.deep.equal([404, 404, 404]);
      const refused = await claim(code, c);
      expect(refused.status, refused.text).to.equal(429);
      expect(refused.body.error).to.equal('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      // Refused before the claim: the code is still unused, and claimable from elsewhere.
      expect((await pool.query('select 1 from transfer_codes where code_hash = $1 and used_at is null', [codeHash(code)])).rowCount).to.equal(1);
      // Registrations are limited on their own.
      expect((await c.post('/v1/players', { handle: 'still_registers' })).status).to.equal(201);
    } finally {
      await limited.stop();
    }
  });

  it('labels both routes in the request metrics', async () => {
    const metrics = (await client.get('/metrics')).text;
    const count = (route: string, status: number) =>
      sample(metrics, 'treasure_http_request_duration_seconds_count', { process: 'api', method: 'POST', route, status: String(status) });
    expect(count('/v1/me/transfer-codes', 201)).to.be.greaterThan(0);
    expect(count('/v1/me/transfer-codes', 401)).to.be.greaterThan(0);
    expect(count('/v1/players/claim', 200)).to.be.greaterThan(0);
    expect(count('/v1/players/claim', 404)).to.be.greaterThan(0);
  });

  it('prunes codes expired more than an hour ago, used or not, and keeps the others', async () => {
    const players = await Promise.all(Array.from({ length: 5 }, () => newPlayer()));
    const insert = async (label: string, playerId: string, expiresAgo: string, used: boolean) => {
      await pool.query(
        `insert into transfer_codes (code_hash, player_id, expires_at, used_at)
         values ($1, $2, now() - $3::interval, case when $4 then now() - $3::interval - interval '5 minutes' end)`,
        [codeHash(label), playerId, expiresAgo, used]);
      return label;
    };
    const hashes = async () => (await pool.query<{ code_hash: Buffer }>('select code_hash from transfer_codes')).rows.map((r) => r.code_hash.toString('hex'));
    const insertAll = async (prefix: string) => {
      const old = [
        await insert(`${prefix}OLD1`, players[0]!.id, '2 hours', false),
        await insert(`${prefix}OLD2`, players[1]!.id, '61 minutes', true),
        await insert(`${prefix}OLD3`, players[1]!.id, '3 days', true),
      ];
      const kept = [
        await insert(`${prefix}KEEP1`, players[2]!.id, '30 minutes', true),
        await insert(`${prefix}KEEP2`, players[3]!.id, '59 minutes', false),
        await insert(`${prefix}KEEP3`, players[4]!.id, '-5 minutes', false), // live
      ];
      return { old: old.map((c) => codeHash(c).toString('hex')), kept: kept.map((c) => codeHash(c).toString('hex')) };
    };

    const direct = await insertAll('D');
    expect(await pruneTransferCodes(pool)).to.equal(direct.old.length);
    expect(await hashes()).to.include.members(direct.kept).and.not.include.members(direct.old);
    expect(await pruneTransferCodes(pool)).to.equal(0);

    // A running worker does it (its pruning pass runs at start, then every minute).
    await pool.query('delete from transfer_codes');
    const byWorker = await insertAll('W');
    const worker = await startWorker(testConfig(db.url), { schedule: false });
    try {
      await eventually(async () => ((await hashes()).some((h) => byWorker.old.includes(h)) ? undefined : true), 'old transfer codes pruned');
      expect((await hashes()).sort()).to.deep.equal([...byWorker.kept].sort());
    } finally {
      await worker.stop();
    }
  });
});
