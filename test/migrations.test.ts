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
      expect(second).to.deep.equal({ appliedMigrations: [], viewsRecreated: false, newerMigrations: [] });
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

  describe('a database migrated by a newer build', () => {
    const NEWER = '999_newer_build';
    let latest: string;
    before(async () => {
      latest = (await readdir(new URL('../sql/schema/', import.meta.url))).filter((f) => f.endsWith('.sql')).sort().pop()!.slice(0, -4);
    });

    /**
     * A database migrated by this build, then by a newer one: its migration recorded (unless
     * `migration` is undefined), its views and functions written (marked by comments that
     * re-creating them would drop, and a checksum this build does not produce).
     */
    async function migratedByNewerBuild(label: string, migration: { compatibleFrom: string | null } | undefined) {
      const db = await createEmptyDatabase(label);
      databases.push(db);
      const pool = createPool(db.url, 2, 'test');
      await migrate(pool);
      if (migration) {
        await pool.query('insert into schema_migrations (name, compatible_from) values ($1, $2)', [NEWER, migration.compatibleFrom]);
      }
      await pool.query(`comment on view hunt_standings is 'newer build'`);
      await pool.query(`comment on function count_in_minute(text, text, integer) is 'newer build'`);
      await pool.query(`update schema_views set checksum = 'newer-build', latest_migration = $1`, [NEWER]);
      return pool;
    }

    async function newerBuildState(pool: pg.Pool) {
      const { rows: [row] } = await pool.query(`select
          obj_description('hunt_standings'::regclass, 'pg_class') as view_comment,
          obj_description('count_in_minute(text, text, integer)'::regprocedure, 'pg_proc') as function_comment,
          (select checksum from schema_views) as checksum,
          array(select name from schema_migrations order by name) as migrations`);
      return row;
    }

    it('records what each migration is compatible with, and which build wrote the views', async () => {
      const db = await createEmptyDatabase('migrate_records');
      databases.push(db);
      const pool = createPool(db.url, 2, 'test');
      try {
        await migrate(pool);
        const { rows } = await pool.query(`select name, compatible_from from schema_migrations where name in ('004_answer_batches', '005_rate_window_pruning') order by name`);
        expect(rows).to.deep.equal([
          { name: '004_answer_batches', compatible_from: null },
          { name: '005_rate_window_pruning', compatible_from: '004_answer_batches' },
        ]);
        expect((await pool.query('select latest_migration from schema_views')).rows).to.deep.equal([{ latest_migration: latest }]);
      } finally {
        await pool.end();
      }
    });

    it('refuses to start when a newer migration declared no compatibility, and changes nothing', async () => {
      const pool = await migratedByNewerBuild('migrate_newer_refused', { compatibleFrom: null });
      try {
        const before = await newerBuildState(pool);
        let error: Error | undefined;
        await migrate(pool).catch((err: Error) => { error = err; });
        expect(error?.message).to.equal(`the database was migrated by a newer build (unknown migrations: ${NEWER}); `
          + `this build (latest ${latest}) cannot run on it: deploy the newer build`);
        expect(await newerBuildState(pool)).to.deep.equal({
          view_comment: 'newer build', function_comment: 'newer build', checksum: 'newer-build', migrations: before.migrations,
        });
      } finally {
        await pool.end();
      }
    });

    it('refuses to start when a newer migration is compatible only with builds newer than this one', async () => {
      const pool = await migratedByNewerBuild('migrate_newer_too_new', { compatibleFrom: '998_newer_base' });
      try {
        let error: Error | undefined;
        await migrate(pool).catch((err: Error) => { error = err; });
        expect(error?.message).to.match(/^the database was migrated by a newer build \(unknown migrations: 999_newer_build\)/);
      } finally {
        await pool.end();
      }
    });

    it('starts without touching anything when every newer migration is compatible with it', async () => {
      const pool = await migratedByNewerBuild('migrate_newer_compatible', { compatibleFrom: '004_answer_batches' });
      try {
        const before = await newerBuildState(pool);
        expect(await migrate(pool)).to.deep.equal({ appliedMigrations: [], viewsRecreated: false, newerMigrations: [NEWER] });
        // The newer build's views and functions were not re-created over, its checksum not overwritten.
        expect(await newerBuildState(pool)).to.deep.equal(before);
        expect(before).to.include({ view_comment: 'newer build', function_comment: 'newer build', checksum: 'newer-build' });
      } finally {
        await pool.end();
      }
    });

    it('leaves views and functions written by a build with a later migration alone, re-creates its own', async () => {
      const pool = await migratedByNewerBuild('migrate_newer_views', undefined);
      try {
        expect(await migrate(pool)).to.deep.equal({ appliedMigrations: [], viewsRecreated: false, newerMigrations: [] });
        expect(await newerBuildState(pool)).to.include({ view_comment: 'newer build', function_comment: 'newer build', checksum: 'newer-build' });
        // Written by a build that knew no later migration than this one: a changed text is re-created.
        await pool.query(`update schema_views set latest_migration = $1`, [latest]);
        expect(await migrate(pool)).to.include({ viewsRecreated: true });
        expect(await newerBuildState(pool)).to.include({ view_comment: null, function_comment: null });
      } finally {
        await pool.end();
      }
    });
  });
});
