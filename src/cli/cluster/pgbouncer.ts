// PgBouncer from deploy/pgbouncer.ini, in the foreground on a loopback port, in front of the
// database of a postgres:// URL; its log goes to the run's directory.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Child, findBinary, logTail, type ExitStatus } from './child.ts';
import { PGBOUNCER_TEMPLATE, render } from './templates.ts';

export interface Pooler {
  child: Child;
  /** The same database, user and password as the direct URL, through PgBouncer. */
  url: string;
  port: number;
}

/** A connection-string value, quoted when it has to be (PgBouncer reads libpq's key=value form). */
function connValue(name: string, value: string): string {
  if (/['\\]/.test(value)) throw new Error(`PgBouncer: the database URL's ${name} contains a quote or a backslash, which the cluster does not pass on`);
  return /^[A-Za-z0-9_.-]+$/.test(value) ? value : `'${value}'`;
}

export function renderPgbouncerConfig(directUrl: string, port: number): { ini: string; url: string } {
  let parsed: URL;
  try {
    parsed = new URL(directUrl);
  } catch {
    throw new Error('PgBouncer needs the database as a postgres:// URL (DATABASE_URL), e.g. postgres://user:password@host:5432/database');
  }
  const database = decodeURIComponent(parsed.pathname.slice(1));
  const user = decodeURIComponent(parsed.username);
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol) || !parsed.hostname || !database || !user) {
    throw new Error('PgBouncer needs the database as a postgres:// URL with a host, a user and a database name (DATABASE_URL)');
  }
  const server = [
    `host=${connValue('host', parsed.hostname.replace(/^\[|\]$/g, ''))}`, `port=${parsed.port || '5432'}`,
    `dbname=${connValue('database name', database)}`, `user=${connValue('user', user)}`,
    ...(parsed.password ? [`password=${connValue('password', decodeURIComponent(parsed.password))}`] : []),
    // What the pools' `options` startup parameter would have set (PgBouncer drops it): see db.ts.
    `connect_query='SET jit = off'`,
  ].join(' ');
  const ini = render(PGBOUNCER_TEMPLATE, {
    LISTEN_PORT: String(port),
    // Loopback only: anyone who can reach the port is trusted, the server's credentials are here.
    AUTH: 'auth_type = any',
    DATABASES: `${connValue('database name', database)} = ${server}`,
  });
  const pooled = new URL(directUrl);
  pooled.hostname = '127.0.0.1';
  pooled.port = String(port);
  pooled.search = '';
  return { ini, url: pooled.toString() };
}

/** Writes the configuration under `dir`, starts PgBouncer and waits until it reaches the database. */
export async function startPgbouncer(dir: string, directUrl: string, port: number, onExit?: (child: Child, status: ExitStatus) => void): Promise<Pooler> {
  const binary = findBinary('pgbouncer');
  if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
  const { ini, url } = renderPgbouncerConfig(directUrl, port);
  const config = path.join(dir, 'pgbouncer.ini');
  // The server's password is in it: readable by us only (PgBouncer reads it before dropping root).
  await writeFile(config, ini, { mode: 0o600 });
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const log = path.join(dir, 'logs', 'pgbouncer.log');
  const child = new Child({
    name: 'pgbouncer', command: binary, output: log,
    // PgBouncer refuses to run as root: it reads its configuration, then becomes nobody.
    args: [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), config],
    // SIGINT: a safe shutdown, after the queries in flight.
    stopSignal: 'SIGINT',
  }, onExit);
  child.start();
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!child.running) throw new Error(`pgbouncer exited while starting:${logTail(log)}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return { child, url, port };
    } catch (err) {
      if (Date.now() > deadline) {
        await child.stop(2000);
        throw new Error(`pgbouncer did not reach the database within 15 s (${(err as Error).message}):${logTail(log)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
