// Test databases. Without DATABASE_URL the run starts one throwaway embedded PostgreSQL (the
// fresh-machine path); with it, tests use that server (CI's PostgreSQL 15). Either way every test
// file gets its own database, cloned from a migrated template, and drops it afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { createPool } from '../../src/core/db.ts';
import { startThrowawayPostgres, type EmbeddedServer } from '../../src/core/embedded-postgres.ts';
import { migrate } from '../../src/core/migrate.ts';
import { ensureQueues } from '../../src/core/queues.ts';

let embedded: EmbeddedServer | undefined;
let adminUrl: string | undefined;
let template: string | undefined;
const runId = randomBytes(3).toString('hex');

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

/** The URL of the server the tests run against (its maintenance database). */
export function serverUrl(): string {
  if (!adminUrl) throw new Error('test databases are not set up (mocha --require test/support/global-setup.ts)');
  return adminUrl;
}

export async function setUpServer(): Promise<void> {
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
  } else {
    embedded = await startThrowawayPostgres();
    adminUrl = embedded.url('postgres');
  }
  // One migrated template (schema, views and pg-boss's tables): cloning it is much faster than
  // migrating every test database.
  template = `hunt_test_tpl_${runId}`;
  await admin((c) => c.query(`create database ${template}`));
  const url = withDatabase(adminUrl, template);
  const pool = createPool(url, 2, 'test-template');
  await migrate(pool);
  await pool.end();
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await ensureQueues(boss, 300, 10);
  await boss.stop({ graceful: false });
}

export async function tearDownServer(): Promise<void> {
  if (template) await admin((c) => c.query(`drop database if exists ${template} with (force)`)).catch(() => undefined);
  await embedded?.stop();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `hunt_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${runId}_${randomBytes(2).toString('hex')}`;
  await admin((c) => c.query(`create database ${name} template ${template}`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** A database with nothing in it (for migration tests). */
export async function createEmptyDatabase(label: string): Promise<TestDatabase> {
  const name = `hunt_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${runId}_${randomBytes(2).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
