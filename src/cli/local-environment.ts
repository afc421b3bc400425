// What `npm start`, `npm run cluster` and `npm run seed` need on a machine with nothing but Node:
// a database (the embedded one under DATA_DIR when DATABASE_URL is unset), an answer-hash key and
// an admin token (generated once into DATA_DIR when not given); the database migrated, checked and
// seeded; and how to run the engine's processes as `npm run api` and `npm run worker` do.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { API_NODE_FLAGS, apiNodeEnv } from '../api/node-flags.ts';
import { createAnswerHasher } from '../core/answer-hash.ts';
import { checkAnswerKey } from '../core/answer-key-check.ts';
import type { Config } from '../core/config.ts';
import { createPool } from '../core/db.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../core/embedded-postgres.ts';
import { migrate } from '../core/migrate.ts';
import { seedDemo } from '../seed/demo-data.ts';

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

/**
 * Migrates, refuses an answer key that did not hash the stored answers (before anything starts:
 * the API would refuse it too, less clearly), and seeds the demo into an empty database.
 */
export async function prepareDatabase(databaseUrl: string, answerHashKey: string, demo: boolean, log: (msg: string) => void): Promise<void> {
  const pool = createPool(databaseUrl, 2, 'start');
  try {
    await migrate(pool);
    const hasher = createAnswerHasher(answerHashKey);
    await checkAnswerKey(pool, hasher.keyId);
    if (demo) {
      const { seeded } = await seedDemo(pool, hasher);
      if (seeded) log('seeded the demo hunts (every clue\'s answer is "gold <position>")');
    }
  } finally {
    await pool.end();
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How `npm run api` / `npm run worker` start the process: this Node, its flags, its entry. */
export function engineCommand(name: 'api' | 'worker'): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const entry = fileURLToPath(new URL(`../${name}/main.ts`, import.meta.url));
  return name === 'api'
    ? { command: process.execPath, args: [...API_NODE_FLAGS, entry], env: apiNodeEnv(ROOT) }
    : { command: process.execPath, args: [entry], env: {} };
}
