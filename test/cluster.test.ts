// `npm run cluster` (src/cli/cluster.ts) against this file's database: nginx in front of two API
// instances, two workers, PgBouncer in transaction mode. Reads through nginx see no failure while
// an instance is killed with SIGKILL; its replacement comes back on its port and serves the same
// versions as the other; answers go through PgBouncer and count once; an event stream through
// nginx receives updates; SIGTERM leaves no process and no run directory behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { processTree } from '../bench/support/processes.ts';
import { findBinary } from '../src/cli/cluster/child.ts';
import { renderNginxConfig } from '../src/cli/cluster/nginx.ts';
import { renderPgbouncerConfig } from '../src/cli/cluster/pgbouncer.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from './support/test-databases.ts';

const CLUSTER_MAIN = fileURLToPath(new URL('../src/cli/cluster.ts', import.meta.url));

interface Instance { port: number; pid: number }

describe('npm run cluster: nginx, API instances, workers and PgBouncer', function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  let dataDir: string | undefined;
  let cluster: ChildProcess | undefined;
  let output = '';
  let exited: Promise<number | null>;
  let nginx: Client;
  let hunt: { slug: string; clues: { id: string }[] };

  /** The latest "api N: http://127.0.0.1:PORT (pid PID)" line of each instance. */
  const instances = (): Map<number, Instance> => {
    const found = new Map<number, Instance>();
    for (const m of output.matchAll(/\bapi (\d+): +http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/g)) found.set(Number(m[1]), { port: Number(m[2]), pid: Number(m[3]) });
    return found;
  };
  const printed = (label: string) => new RegExp(`\\[cluster\\] ${label}: +(\\S+)`).exec(output)?.[1];

  before(async function () {
    const missing = ['nginx', 'pgbouncer'].filter((name) => !findBinary(name));
    if (missing.length > 0) {
      console.log(`      skipped: ${missing.join(' and ')} not installed (Debian: apt-get install ${missing.join(' ')}; .ci/run installs them)`);
      this.skip();
    }
    db = await createTestDatabase('cluster');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cluster-test-'));
    cluster = spawn(process.execPath, [CLUSTER_MAIN], {
      env: {
        ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: '0', API_INSTANCES: '2', SEED_DEMO: 'false',
        ADMIN_TOKEN, ANSWER_HASH_KEY, LOG_LEVEL: 'error', DIRTY_SWEEP_INTERVAL_MS: '200', SNAPSHOT_POLL_INTERVAL_MS: '500',
        REGISTER_RATE_LIMIT: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cluster.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    cluster.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    exited = new Promise((resolve) => cluster!.once('exit', (code) => resolve(code)));
    const url = await eventually(() => {
      if (cluster!.exitCode !== null) throw new Error(`the cluster exited:\n${output}`);
      return printed('URL');
    }, 'the cluster\'s URL', 45_000);
    nginx = new Client(url);
    hunt = await createHunt(nginx, 'behind-nginx', [{ answers: ['lantern'] }, { answers: ['anchor'] }]);
    await eventually(async () => ((await nginx.get(`/v1/hunts/${hunt.slug}`)).status === 200 ? true : undefined), 'the hunt published');
  });

  after(async () => {
    if (cluster && cluster.exitCode === null && cluster.signalCode === null) {
      for (const pid of processTree(cluster.pid!).reverse()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    const runDir = printed('run dir');
    if (runDir?.startsWith(os.tmpdir())) rmSync(runDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('serves reads through nginx with no failed request while an API instance is killed, and restarts it on its port', async () => {
    const before = instances();
    expect([...before.keys()]).to.deep.equal([1, 2]);
    const victim = before.get(1)!;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const paths = [`/v1/hunts/${hunt.slug}`, `/v1/hunts/${hunt.slug}/leaderboard`, '/v1/hunts'];
    const failures: string[] = [];
    let requests = 0;
    let reading = true;
    const reader = async (n: number) => {
      for (let i = n; reading; i++) {
        const status = await get(nginx.base + paths[i % paths.length]!, agent).catch((err: Error) => `${err.message}`);
        requests++;
        if (status !== 200) failures.push(String(status));
      }
    };
    const readers = Array.from({ length: 4 }, (_, n) => reader(n));
    await new Promise((r) => setTimeout(r, 500));
    process.kill(victim.pid, 'SIGKILL');
    const replacement = await eventually(() => {
      const now = instances().get(1);
      return now && now.pid !== victim.pid ? now : undefined;
    }, 'the killed instance replaced', 30_000);
    // Reads go on while the replacement joins nginx's rotation again.
    await new Promise((r) => setTimeout(r, 2500));
    reading = false;
    await Promise.all(readers);
    agent.destroy();
    expect(failures, `${failures.length} of ${requests} reads failed`).to.deep.equal([]);
    expect(requests).to.be.above(100);
    expect(replacement.port, 'the replacement listens where nginx expects it').to.equal(victim.port);
    expect(await get(`http://127.0.0.1:${replacement.port}/readyz`)).to.equal(200);
  });

  it('passes answers through PgBouncer and counts each find once', async () => {
    const pooler = Number(/PgBouncer: +127\.0\.0\.1:(\d+)/.exec(output)![1]);
    const before = await poolerStats(pooler, db!.name);
    const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(nginx, `pooled_${i}`)));
    // Concurrently, so batches use several of PgBouncer's server connections (statements prepared on
    // one would be missing on the others), and each twice: the second is `alreadyFound`.
    const first = await Promise.all(players.map((p) => answer(nginx, hunt.slug, hunt.clues[0]!.id, p.token, 'Lantern!')));
    const again = await Promise.all(players.map((p) => answer(nginx, hunt.slug, hunt.clues[0]!.id, p.token, 'lantern')));
    for (const res of first) expect(res.body, res.text).to.deep.include({ correct: true, alreadyFound: false, points: 10 });
    for (const res of again) expect(res.body, res.text).to.deep.include({ correct: true, alreadyFound: true });

    const after = await poolerStats(pooler, db!.name);
    expect(after.apiClients, 'the API instances\' pools are PgBouncer\'s clients').to.be.above(0);
    expect(after.transactions - before.transactions, 'transactions through PgBouncer').to.be.at.least(2);
    const direct = new pg.Client({ connectionString: db!.url });
    await direct.connect();
    try {
      // Each find once, and each in the ledger once (a find is its own ledger entry).
      const { rows: [counts] } = await direct.query<{ finds: number; ledger: number }>(
        `select (select count(*)::int from finds f join hunts h on h.id = f.hunt_id where h.slug = $1) as finds,
                (select count(*)::int from score_ledger l join hunts h on h.id = l.hunt_id where h.slug = $1) as ledger`,
        [hunt.slug]);
      expect(counts).to.deep.equal({ finds: players.length, ledger: players.length });
    } finally {
      await direct.end();
    }
    const board = await eventually(async () => {
      const res = await nginx.get(`/v1/hunts/${hunt.slug}/leaderboard`);
      return res.body?.total === players.length ? res.body : undefined;
    }, 'every find on the leaderboard');
    expect(board.entries).to.have.length(players.length);
  });

  it('streams events through nginx as they are written', async () => {
    const events: string[] = [];
    let text = '';
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${nginx.base}/v1/hunts/${hunt.slug}/events`, { agent: false }, resolve).on('error', reject);
    });
    try {
      expect(stream.statusCode).to.equal(200);
      expect(stream.headers['content-type']).to.match(/^text\/event-stream/);
      expect(stream.headers['content-encoding'], 'never compressed (nginx would buffer it)').to.equal(undefined);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        text += chunk;
        for (const m of text.matchAll(/^event: (\w+)$/gm)) events.push(m[1]!);
        text = text.slice(text.lastIndexOf('\n\n') + 1);
      });
      // What the API writes at once arrives at once: nothing waits in nginx's buffers.
      await eventually(() => (text.length > 0 || events.length > 0 ? true : undefined), 'the stream\'s first bytes', 5000);
      const player = await registerPlayer(nginx, 'streamed');
      const res = await answer(nginx, hunt.slug, hunt.clues[1]!.id, player.token, 'anchor');
      expect(res.body, res.text).to.deep.include({ correct: true, alreadyFound: false });
      await eventually(() => (events.includes('update') ? true : undefined), 'an update event through nginx', 15_000);
    } finally {
      stream.destroy();
    }
  });

  it('serves the same document versions from the replacement as from the other instance', async () => {
    const ports = [...instances().values()].map((i) => i.port);
    expect(ports).to.have.length(2);
    for (const path of [`/v1/hunts/${hunt.slug}`, `/v1/hunts/${hunt.slug}/leaderboard`, `/v1/hunts/${hunt.slug}/feed`, '/v1/hunts']) {
      const [a, b] = await eventually(async () => {
        const replies = await Promise.all(ports.map((port) => fetch(`http://127.0.0.1:${port}${path}`)));
        const [x, y] = replies.map((r) => ({ status: r.status, version: r.headers.get('x-snapshot-version'), etag: r.headers.get('etag') }));
        return x!.status === 200 && x!.version === y!.version && x!.etag === y!.etag ? [x!, y!] : undefined;
      }, `both instances on the same version of ${path}`);
      expect(Number(a.version), path).to.be.above(0);
      expect(b.etag).to.equal(a.etag);
    }
  });

  it('stops everything it started on SIGTERM, leaving no process and no run directory', async () => {
    const runDir = printed('run dir')!;
    expect(existsSync(runDir)).to.equal(true);
    const started = processTree(cluster!.pid!).slice(1);
    // nginx (master and workers), PgBouncer, two API instances, two workers.
    expect(started.length).to.be.at.least(6);
    cluster!.kill('SIGTERM');
    expect(await exited, output).to.equal(0);
    for (const pid of started) expect(alive(pid), `process ${pid} still running`).to.equal(false);
    expect(existsSync(runDir), 'the run directory is removed').to.equal(false);
  });
});

describe('the direct connection and the templates of deploy/', () => {
  it('takes DATABASE_DIRECT_URL, DATABASE_URL by default, and refuses it without DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://a@pooler/db' }).databaseDirectUrl).to.equal('postgres://a@pooler/db');
    expect(loadConfig({ DATABASE_URL: 'postgres://a@pooler/db', DATABASE_DIRECT_URL: 'postgres://a@server/db' }).databaseDirectUrl)
      .to.equal('postgres://a@server/db');
    expect(loadConfig({}).databaseDirectUrl).to.equal(undefined);
    expect(() => loadConfig({ DATABASE_DIRECT_URL: 'postgres://a@server/db' })).to.throw(ConfigError, /DATABASE_DIRECT_URL is set without DATABASE_URL/);
    expect(() => loadConfig({ API_INSTANCES: '0' })).to.throw(ConfigError, /API_INSTANCES must be an integer between 1 and 64/);
  });

  it('prepares no named statement on a pool meant for a transaction pooler', async () => {
    const prepared = async (namedStatements: boolean) => {
      // One connection: the pool's query and the client's run on it.
      const pool = createPool(serverUrl(), 1, 'named-probe', { namedStatements });
      try {
        await pool.query({ name: 'probe-pool', text: 'select 1 as n' });
        const client = await pool.connect();
        try {
          await client.query({ name: 'probe-client', text: 'select $1::int as n', values: [1] });
          return (await client.query<{ name: string }>('select name from pg_prepared_statements order by name')).rows.map((r) => r.name);
        } finally {
          client.release();
        }
      } finally {
        await pool.end();
      }
    };
    expect(await prepared(true)).to.deep.equal(['probe-client', 'probe-pool']);
    expect(await prepared(false)).to.deep.equal([]);
  });

  it('renders nginx\'s and PgBouncer\'s templates, refusing what it cannot pass on', () => {
    const nginx = renderNginxConfig({ listen: { host: '127.0.0.1', port: 8080 }, apiPorts: [4001, 4002] });
    expect(nginx).to.include('listen 127.0.0.1:8080 ').and.include('server 127.0.0.1:4002 max_fails=1 fail_timeout=2s;').and.not.include('{{');
    expect(() => renderNginxConfig({ listen: { host: '127.0.0.1', port: 8080 }, apiPorts: [] }, 'listen {{LISTEN}}; {{API_SERVERS}} {{TLS}}'))
      .to.throw(/no value for the placeholder \{\{TLS\}\}/);
    const { ini, url } = renderPgbouncerConfig('postgres://hunt:s3cret%20x@db.internal:6543/treasure_hunt?sslmode=disable', 7000);
    expect(ini).to.include("treasure_hunt = host=db.internal port=6543 dbname=treasure_hunt user=hunt password='s3cret x' connect_query='SET jit = off'")
      .and.include('pool_mode = transaction').and.include('ignore_startup_parameters = options,extra_float_digits');
    expect(url).to.equal('postgres://hunt:s3cret%20x@127.0.0.1:7000/treasure_hunt');
    expect(() => renderPgbouncerConfig('/var/run/postgresql treasure_hunt', 7000)).to.throw(/postgres:\/\/ URL/);
    expect(() => renderPgbouncerConfig("postgres://hunt:it's@db/treasure_hunt", 7000)).to.throw(/password contains a quote/);
  });
});

/** GET's status (the body read and dropped), on `agent`'s keep-alive connections. */
function get(url: string, agent?: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** From PgBouncer's console: transactions it carried for the database, and the API pools among its clients. */
async function poolerStats(port: number, database: string): Promise<{ transactions: number; apiClients: number }> {
  const admin = new pg.Client({ host: '127.0.0.1', port, database: 'pgbouncer', user: 'pgbouncer' });
  await admin.connect();
  try {
    const stats = await admin.query<{ database: string; total_xact_count: string }>('show stats');
    const clients = await admin.query<{ database: string; application_name: string }>('show clients');
    return {
      transactions: Number(stats.rows.find((r) => r.database === database)?.total_xact_count ?? 0),
      apiClients: clients.rows.filter((r) => r.database === database && r.application_name === 'api').length,
    };
  } finally {
    await admin.end();
  }
}

/** Running (a zombie left to a container's init that does not reap is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
