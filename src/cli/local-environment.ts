// What `npm start` and `npm run seed` need on a machine with nothing but Node: a database (the
// embedded one under DATA_DIR when DATABASE_URL is unset), an answer-hash key and an admin token
// (generated once into DATA_DIR when not given).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../core/config.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../core/embedded-postgres.ts';

const EMBEDDED_DATABASE = 'treasure_hunt';

export interface LocalEnvironment {
  databaseUrl: string;
  adminToken: string;
  answerHashKey: string;
  embedded: EmbeddedServer | undefined;
}

/** Reads a secret from DATA_DIR, creating it (readable by us only) on first use. */
async function persistedSecret(dataDir: string, file: string): Promise<string> {
  const target = path.join(dataDir, file);
  try {
    const value = (await readFile(target, 'utf8')).trim();
    if (value) return value;
  } catch { /* first start */ }
  const value = randomBytes(32).toString('base64url');
  await writeFile(target, value + '\n', { mode: 0o600 });
  await chmod(target, 0o600);
  return value;
}

export async function prepareLocalEnvironment(config: Config, log: (msg: string) => void): Promise<LocalEnvironment> {
  await mkdir(config.dataDir, { recursive: true });
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'pg'), persistent: true, log,
      // A development server: room for bulk seeds without a checkpoint every few seconds.
      settings: { shared_buffers: '256MB', max_wal_size: '4GB' },
    });
    const admin = new pg.Client({ connectionString: embedded.url('postgres') });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [EMBEDDED_DATABASE]);
      if (!rowCount) await admin.query(`create database ${EMBEDDED_DATABASE}`);
    } finally {
      await admin.end();
    }
    databaseUrl = embedded.url(EMBEDDED_DATABASE);
    log(`embedded PostgreSQL on port ${embedded.port} (data in ${embedded.dataDir})`);
  }
  return {
    databaseUrl,
    adminToken: config.adminToken ?? await persistedSecret(config.dataDir, 'admin-token'),
    answerHashKey: config.answerHashKey ?? await persistedSecret(config.dataDir, 'answer-hash-key'),
    embedded,
  };
}
