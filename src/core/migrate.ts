// Applies sql/schema (ordered, once each), then sql/views and sql/functions (re-created when
// their text changes).
// Everything runs in one transaction that first takes an advisory lock, so two processes starting
// at once serialize: the second finds the work done and changes nothing.
//
// Builds of different ages meet on one database during a rolling upgrade (workers first, then
// APIs) and on a rollback. An older build never applies or re-creates anything over a newer
// build's schema:
// - A migration may declare, in a header line `-- compatible-with: 003_incremental_refresh`, the
//   oldest migration a build must know to keep working once it is applied (storage settings, an
//   index, a new nullable column, a function that keeps its signature). It is recorded in
//   schema_migrations.compatible_from when applied. Without the line, no older build may run on it.
// - A build that finds migrations it does not know starts only if every one of them declared a
//   migration it knows, and then changes nothing at all (not even views and functions: the newer
//   build's win). Otherwise it refuses to start: deploy the newer build.
// - schema_views records the latest migration of the build that created the views and functions;
//   a build whose latest migration is older leaves them alone. So a change of a view or function
//   that older builds must not revert comes with a migration (a file holding only the header
//   line will do); one without is re-created by whichever build starts last.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';

const SQL_DIR = new URL('../../sql/', import.meta.url);
const MIGRATION_LOCK = 0x7468_6501; // arbitrary constant, "the" + 1

interface SqlFile { name: string; sql: string }

async function readSqlDir(sub: string): Promise<SqlFile[]> {
  const dir = new URL(`${sub}/`, SQL_DIR);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(names.map(async (file) => ({ name: file.slice(0, -4), sql: await readFile(new URL(file, dir), 'utf8') })));
}

/** Views in dependency order, from their `-- requires: a, b` header lines. */
function orderViews(views: SqlFile[]): SqlFile[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const ordered: SqlFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (view: SqlFile) => {
    if (state.get(view.name) === 'done') return;
    if (state.get(view.name) === 'visiting') throw new Error(`view dependency cycle at ${view.name}`);
    state.set(view.name, 'visiting');
    const requires = /^--\s*requires:\s*(.+)$/m.exec(view.sql)?.[1]?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    for (const dep of requires) {
      const target = byName.get(dep);
      if (!target) throw new Error(`view ${view.name} requires unknown view ${dep}`);
      visit(target);
    }
    state.set(view.name, 'done');
    ordered.push(view);
  };
  views.forEach(visit);
  return ordered;
}

export interface MigrationResult {
  appliedMigrations: string[];
  viewsRecreated: boolean;
  /** Migrations of a newer build found in the database (compatible with this one: it changed nothing). */
  newerMigrations: string[];
}

/** The migration named in a `-- compatible-with: <name>` header line, checked against the earlier files. */
function compatibleFrom(migration: SqlFile, earlier: SqlFile[]): string | null {
  const name = /^--\s*compatible-with:\s*(\S+)\s*$/m.exec(migration.sql)?.[1];
  if (name === undefined) return null;
  if (!earlier.some((m) => m.name === name)) throw new Error(`migration ${migration.name} is compatible with unknown migration ${name}`);
  return name;
}

export async function migrate(pool: pg.Pool): Promise<MigrationResult> {
  const migrations = await readSqlDir('schema');
  const views = orderViews(await readSqlDir('views'));
  const functions = await readSqlDir('functions');
  const viewsChecksum = createHash('sha256').update([...views, ...functions].map((v) => `${v.name}\n${v.sql}`).join('\n')).digest('hex');
  const known = new Set(migrations.map((m) => m.name));
  const latest = migrations.at(-1)?.name ?? '';
  const compatibility = migrations.map((m, i) => compatibleFrom(m, migrations.slice(0, i)));

  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`);
    // Added by the first build that knew compatibility; null (for older rows too): compatible with no older build.
    await client.query('alter table schema_migrations add column if not exists compatible_from text');
    await client.query(`create table if not exists schema_views (
      id boolean primary key default true check (id), checksum text not null, applied_at timestamptz not null default now())`);
    await client.query('alter table schema_views add column if not exists latest_migration text');

    const recorded = (await client.query<{ name: string; compatible_from: string | null }>(
      'select name, compatible_from from schema_migrations order by name')).rows;
    const done = new Set(recorded.map((r) => r.name));
    const newer = recorded.filter((r) => !known.has(r.name));
    if (newer.length > 0) {
      // Each must still work with a build that knows what this one knows (and this build's own
      // migrations must all be there: a newer build has them).
      const runnable = newer.every((r) => r.compatible_from !== null && known.has(r.compatible_from))
        && migrations.every((m) => done.has(m.name));
      if (!runnable) {
        throw new Error(`the database was migrated by a newer build (unknown migrations: ${newer.map((r) => r.name).join(', ')}); `
          + `this build (latest ${latest}) cannot run on it: deploy the newer build`);
      }
      // Nothing to do, nothing to undo: the newer build's schema, views and functions stay as they are.
      await client.query('rollback');
      return { appliedMigrations: [], viewsRecreated: false, newerMigrations: newer.map((r) => r.name) };
    }

    const applied: string[] = [];
    for (const [i, migration] of migrations.entries()) {
      if (done.has(migration.name)) continue;
      await client.query(migration.sql);
      await client.query('insert into schema_migrations (name, compatible_from) values ($1, $2)', [migration.name, compatibility[i]]);
      applied.push(migration.name);
    }

    const current = (await client.query<{ checksum: string; latest_migration: string | null }>(
      'select checksum, latest_migration from schema_views')).rows[0];
    // Views and functions a newer build created are never reverted (see the top of this file).
    const writtenByNewer = current?.latest_migration != null && current.latest_migration > latest;
    const viewsRecreated = !writtenByNewer && current?.checksum !== viewsChecksum;
    if (viewsRecreated) {
      // Drop in reverse dependency order, then create them all from their files.
      for (const view of [...views].reverse()) {
        const kind = (await client.query<{ relkind: string }>(
          `select relkind from pg_class where relname = $1 and relnamespace = current_schema()::regnamespace`, [view.name])).rows[0]?.relkind;
        if (kind === 'm') await client.query(`drop materialized view ${quoteIdent(view.name)} cascade`);
        else if (kind === 'v') await client.query(`drop view ${quoteIdent(view.name)} cascade`);
      }
      // Each file defines the function it is named after. Every existing version of it is dropped
      // first: `create or replace` cannot change a function's result columns, and a changed
      // parameter type would add an overload that makes untyped calls ambiguous. Functions come
      // before views: a view may be built on one (hunt_standings on standings_until).
      for (const fn of functions) {
        const { rows } = await client.query<{ signature: string }>(
          `select oid::regprocedure::text as signature from pg_proc
            where proname = $1 and pronamespace = current_schema()::regnamespace`, [fn.name]);
        for (const { signature } of rows) await client.query(`drop function ${signature}`);
        await client.query(fn.sql);
      }
      for (const view of views) await client.query(view.sql);
      await client.query(`insert into schema_views (checksum, latest_migration) values ($1, $2)
        on conflict (id) do update set checksum = excluded.checksum, latest_migration = excluded.latest_migration,
          applied_at = now()`, [viewsChecksum, latest]);
    }
    await client.query('commit');
    return { appliedMigrations: applied, viewsRecreated, newerMigrations: [] };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe identifier ${name}`);
  return `"${name}"`;
}
