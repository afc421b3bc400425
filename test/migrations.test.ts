// Migrations: applied at start by every process, so they must be idempotent and safe when two
// processes start at the same moment.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { migrate } from '../src/core/migrate.ts';
import { createEmptyDatabase, type TestDatabase } from './support/test-databases.ts';

const MIGRATE_SCRIPT = fileURLToPath(new URL('./support/migrate-once.ts', import.meta.url));

function runMigrationProcess(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MIGRATE_SCRIPT], { env: { ...process.env, DATABASE_URL: url } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function schemaState(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const migrations = (await client.query('select name from schema_migrations order by name')).rows.map((r) => r.name);
    const relations = (await client.query(
      `select relname, relkind from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'v', 'm') order by relname`)).rows;
    return { migrations, relations };
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  after(async () => { for (const db of databases) await db.drop(); });

  it('can be applied twice: the second run changes nothing', async () => {
    const db = await createEmptyDatabase('migrate_twice');
    databases.push(db);
    const pool = createPool(db.url, 2, 'test');
    try {
      const first = await migrate(pool);
      expect(first.appliedMigrations).to.include('001_core');
      expect(first.viewsRecreated).to.equal(true);
      const state = await schemaState(db.url);
      const second = await migrate(pool);
      expect(second).to.deep.equal({ appliedMigrations: [], viewsRecreated: false });
      expect(await schemaState(db.url)).to.deep.equal(state);
      expect(state.relations).to.deep.include({ relname: 'hunt_clue_stats', relkind: 'v' });
      expect(state.relations).to.deep.include({ relname: 'hunt_standings', relkind: 'v' });
    } finally {
      await pool.end();
    }
  });

  it('is safe when two processes migrate the same empty database at once', async () => {
    const db = await createEmptyDatabase('migrate_race');
    databases.push(db);
    const results = await Promise.all([runMigrationProcess(db.url), runMigrationProcess(db.url), runMigrationProcess(db.url)]);
    for (const result of results) expect(result.code, result.output).to.equal(0);
    const applied = results.map((r) => JSON.parse(r.output.trim().split('\n').pop()!));
    // Exactly one process applied the schema; the others found it done.
    expect(applied.filter((a) => a.appliedMigrations.length > 0)).to.have.length(1);
    const files = (await readdir(new URL('../sql/schema/', import.meta.url))).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4)).sort();
    expect((await schemaState(db.url)).migrations).to.deep.equal(files);
  });
});
