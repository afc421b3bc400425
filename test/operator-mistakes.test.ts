// Operator mistakes are refused at start, with a message that says what to do: an answer key that
// did not hash the stored answers, an admin token that is short or cannot be presented, a database
// migrated by a newer build. And /metrics is not open to the world by default: the worker's
// listens on loopback, and METRICS_TOKEN closes both.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type pg from 'pg';
import { BENCH_ADMIN_TOKEN } from '../bench/support/seed.ts';
import { startApi } from '../src/api/server.ts';
import { createAnswerHasher } from '../src/core/answer-hash.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { createPool } from '../src/core/db.ts';
import { freePort } from '../src/core/embedded-postgres.ts';
import { bearerToken, newToken } from '../src/core/tokens.ts';
import { startWorker } from '../src/worker/worker.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, startEngine, testConfig } from './support/engine.ts';
import { createHunt } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const API_MAIN = fileURLToPath(new URL('../src/api/main.ts', import.meta.url));
const WORKER_MAIN = fileURLToPath(new URL('../src/worker/main.ts', import.meta.url));
const SEED_MAIN = fileURLToPath(new URL('../src/cli/seed.ts', import.meta.url));

/** Runs a process that is expected to refuse to start: its exit code and what it printed on stderr. */
function runRefused(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // One that does start would run forever: stop it, the test then fails on its exit code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

/** The status of GET /metrics on host:port, or the connection error's code. */
async function metricsStatus(host: string, port: number, token?: string): Promise<number | string> {
  try {
    return (await new Client(`http://${host}:${port}`).get('/metrics', token ? { token } : {})).status;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code ?? String(err);
  }
}

describe('operator mistakes', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('operator_mistakes');
    pool = createPool(db.url, 2, 'test');
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  describe('ANSWER_HASH_KEY that did not hash the stored answers', () => {
    const OTHER_KEY = 'another-answer-hash-key-0123456789';
    const message = `ANSWER_HASH_KEY does not match the key that hashed the stored answers (key id ${createAnswerHasher(OTHER_KEY).keyId}, `
      + `stored ${createAnswerHasher(ANSWER_HASH_KEY).keyId}); set ANSWER_HASH_KEY to the key used when the hunts were created`;

    before(async () => {
      // A hunt created through the API: its answers are hashed with ANSWER_HASH_KEY.
      const engine = await startEngine(db.url, { worker: false });
      try {
        await createHunt(new Client(engine.url), 'keyed-hunt', [{ answers: ['lantern'] }]);
      } finally {
        await engine.stop();
      }
    });

    it('refuses to start the API, which starts with the right key', async () => {
      let error: unknown;
      await startApi({ ...testConfig(db.url), adminToken: ADMIN_TOKEN, answerHashKey: OTHER_KEY }).then((api) => api.stop(), (err: unknown) => { error = err; });
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.equal(message);
      const engine = await startEngine(db.url, { worker: false });
      // With METRICS_TOKEN unset, /metrics is open.
      try { expect((await new Client(engine.url).get('/metrics')).status).to.equal(200); } finally { await engine.stop(); }
    });

    it('makes `npm run seed` exit non-zero before writing anything', async () => {
      const hunts = async () => Number((await pool.query('select count(*) from hunts')).rows[0].count);
      const before = await hunts();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'seed-key-'));
      try {
        const result = await runRefused(SEED_MAIN, ['--hunts', '1', '--players', '5', '--finds', '5', '--clues', '2', '--prefix', 'wrongkey'],
          { DATABASE_URL: db.url, DATA_DIR: dataDir, ANSWER_HASH_KEY: OTHER_KEY });
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr).to.include(message);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
      expect(await hunts()).to.equal(before);
    });
  });

  describe('ADMIN_TOKEN', () => {
    it('is refused when shorter than 24 characters or not what a bearer token can carry', () => {
      const refused = ['short-token', 'a'.repeat(23), 'a'.repeat(513), `${'a'.repeat(30)} `, `"${'a'.repeat(30)}"`,
        `${'a'.repeat(15)}==${'a'.repeat(15)}`, 'ä'.repeat(30), `${'a'.repeat(30)}\n`];
      for (const token of refused) {
        expect(() => loadConfig({ ADMIN_TOKEN: token }), JSON.stringify(token)).to.throw(ConfigError, /^ADMIN_TOKEN .*: set a random one, e\.g\. `openssl rand -hex 32`$/);
      }
      // Every token the engine, its tests and benches use passes, and can be presented.
      for (const token of [ADMIN_TOKEN, BENCH_ADMIN_TOKEN, newToken(), `${'A'.repeat(20)}09+/-._~==`, 'z'.repeat(512)]) {
        expect(loadConfig({ ADMIN_TOKEN: token }).adminToken).to.equal(token);
        expect(bearerToken(`Bearer ${token}`)).to.equal(token);
      }
      // METRICS_TOKEN is a bearer secret too.
      expect(() => loadConfig({ METRICS_TOKEN: 'metrics' })).to.throw(ConfigError, /^METRICS_TOKEN must be 24 to 512 characters long/);
    });

    it('makes `npm run api` exit non-zero with the message', async () => {
      const result = await runRefused(API_MAIN, [], {
        DATABASE_URL: db.url, PORT: String(await freePort()), HOST: '127.0.0.1', ADMIN_TOKEN: 'secret', ANSWER_HASH_KEY,
      });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.include('ADMIN_TOKEN must be 24 to 512 characters long, it has 6: set a random one, e.g. `openssl rand -hex 32`');
    });
  });

  it('a database migrated by a newer build makes `npm run worker` exit non-zero with the message', async () => {
    const newer = await createTestDatabase('operator_newer');
    try {
      const client = createPool(newer.url, 1, 'test');
      await client.query(`insert into schema_migrations (name) values ('999_newer_build')`);
      await client.end();
      const result = await runRefused(WORKER_MAIN, [], { DATABASE_URL: newer.url, WORKER_METRICS_PORT: '0' });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stderr).to.match(/the database was migrated by a newer build \(unknown migrations: 999_newer_build\); this build \(latest \S+\) cannot run on it: deploy the newer build/);
    } finally {
      await newer.drop();
    }
  });

  it('the worker serves /metrics on loopback unless METRICS_HOST says otherwise', async () => {
    expect(loadConfig({}).metricsHost).to.equal('127.0.0.1');
    // HOST (the API's address) open to every interface no longer opens the worker's metrics:
    // 127.0.0.2 reaches a socket on 0.0.0.0, never one on 127.0.0.1.
    const local = await startWorker(testConfig(db.url, { host: '0.0.0.0' }), { metrics: true, schedule: false });
    try {
      expect(await metricsStatus('127.0.0.1', local.metricsPort!)).to.equal(200);
      expect(await metricsStatus('127.0.0.2', local.metricsPort!)).to.equal('ECONNREFUSED');
    } finally {
      await local.stop();
    }
    const elsewhere = await startWorker(testConfig(db.url, { metricsHost: loadConfig({ METRICS_HOST: '127.0.0.2' }).metricsHost }), { metrics: true, schedule: false });
    try {
      expect(await metricsStatus('127.0.0.2', elsewhere.metricsPort!)).to.equal(200);
      expect(await metricsStatus('127.0.0.1', elsewhere.metricsPort!)).to.equal('ECONNREFUSED');
    } finally {
      await elsewhere.stop();
    }
  });

  it('METRICS_TOKEN closes the API\'s and the worker\'s /metrics to requests without it', async () => {
    const METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';
    const engine = await startEngine(db.url, { workerMetrics: true, config: { metricsToken: loadConfig({ METRICS_TOKEN }).metricsToken } });
    try {
      for (const base of [engine.url, `http://127.0.0.1:${engine.worker!.metricsPort}`]) {
        const client = new Client(base);
        for (const token of [undefined, ADMIN_TOKEN]) {
          const refused = await client.get('/metrics', token ? { token } : {});
          expect(refused.status, base).to.equal(401);
          expect(refused.body).to.deep.equal({ error: 'unauthorized', message: 'the metrics token is required (METRICS_TOKEN)' });
          expect(refused.headers.get('www-authenticate')).to.equal('Bearer');
        }
        const scraped = await client.get('/metrics', { token: METRICS_TOKEN });
        expect(scraped.status, base).to.equal(200);
        expect(scraped.text).to.include('process_cpu_user_seconds_total');
      }
    } finally {
      await engine.stop();
    }
  });
});
