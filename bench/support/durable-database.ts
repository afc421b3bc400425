// openBenchDatabase (database.ts) on a durable server: write benchmarks must pay for real commits.
// With DATABASE_URL that is the server's own configuration; without it, an embedded PostgreSQL
// with fsync and synchronous_commit at their defaults (startThrowawayPostgres turns both off for
// tests, which would flatter every write figure).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/core/embedded-postgres.ts';
import { openBenchDatabase, type BenchDatabase } from './database.ts';

export interface DurableDatabase extends BenchDatabase {
  /** fsync, synchronous_commit, ... as the server reports them. */
  settings: Record<string, string>;
}

export async function openDurableDatabase(
  label: string, log: (msg: string) => void = console.log,
  /** Extra server settings for the embedded server (e.g. to preload pg_stat_statements). */
  settings: Record<string, string> = {},
): Promise<DurableDatabase> {
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!process.env.DATABASE_URL) {
    const parent = await mkdtemp(path.join(os.tmpdir(), `bench-${label}-`));
    await chmod(parent, 0o755);
    log('starting an embedded PostgreSQL with durable commits (set DATABASE_URL to use a server of yours)');
    const server = await startEmbeddedPostgres({
      dataDir: path.join(parent, 'data'), persistent: false,
      settings: { max_connections: '300', shared_buffers: '256MB', max_wal_size: '4GB', ...settings },
    });
    stopEmbedded = async () => {
      delete process.env.DATABASE_URL; // the next database of this run starts its own server again
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    };
    // openBenchDatabase takes its server from DATABASE_URL; the spawned processes get theirs explicitly.
    process.env.DATABASE_URL = server.url('postgres');
  }
  const db = await openBenchDatabase(label, log);
  const { rows } = await db.pool.query<{ name: string; setting: string }>(
    `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')`);
  return {
    ...db,
    server: stopEmbedded ? `${db.server.split(' ')[0]} (embedded, durable)` : db.server,
    settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])),
    async close() {
      await db.close();
      await stopEmbedded?.();
    },
  };
}
