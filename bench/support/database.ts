// A fresh database for one bench run: on DATABASE_URL's server when it is set, else on a
// throwaway embedded PostgreSQL. Either way the bench creates its own database, migrates it and
// drops it at the end, so runs never see each other's data.
import pg from 'pg';
import { createPool, type Pool } from '../../src/core/db.ts';
import { startThrowawayPostgres, type EmbeddedServer } from '../../src/core/embedded-postgres.ts';
import { migrate } from '../../src/core/migrate.ts';

export interface BenchDatabase {
  /** Connection string of the bench's own database. */
  url: string;
  /** e.g. "15.20 (DATABASE_URL)" or "18.4 (embedded)". */
  server: string;
  /** A migrated pool on it (small: the bench's own set-up queries). */
  pool: Pool;
  close(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function openBenchDatabase(label: string, log: (msg: string) => void = console.log): Promise<BenchDatabase> {
  let embedded: EmbeddedServer | undefined;
  if (!process.env.DATABASE_URL) {
    log('starting a throwaway embedded PostgreSQL (set DATABASE_URL to use a server of yours)');
    embedded = await startThrowawayPostgres();
  }
  const adminUrl = withDatabase(process.env.DATABASE_URL ?? embedded!.url(), 'postgres');
  const name = `bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  const pool = createPool(url, 4, `bench-${label}`);
  await migrate(pool);
  const version = (await pool.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  return {
    url, pool,
    server: `${version.split(' ')[0]} (${embedded ? 'embedded' : 'DATABASE_URL'})`,
    async close() {
      await pool.end().catch(() => undefined);
      await admin.query(`drop database if exists ${name} with (force)`).catch((err: Error) => log(`could not drop ${name}: ${err.message}`));
      await admin.end();
      await embedded?.stop();
    },
  };
}
