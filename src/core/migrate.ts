// Applies sql/schema (ordered, once each), then sql/views and sql/functions (re-created when
// their text changes).
// Everything runs in one transaction that first takes an advisory lock, so two processes starting
// at once serialize: the second finds the work done and changes nothing.
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

export interface MigrationResult { appliedMigrations: string[]; viewsRecreated: boolean }

export async function migrate(pool: pg.Pool): Promise<MigrationResult> {
  const migrations = await readSqlDir('schema');
  const views = orderViews(await readSqlDir('views'));
  const functions = await readSqlDir('functions');
  const viewsChecksum = createHash('sha256').update([...views, ...functions].map((v) => `${v.name}\n${v.sql}`).join('\n')).digest('hex');

  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`);
    await client.query(`create table if not exists schema_views (
      id boolean primary key default true check (id), checksum text not null, applied_at timestamptz not null default now())`);

    const done = new Set((await client.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await client.query(migration.sql);
      await client.query('insert into schema_migrations (name) values ($1)', [migration.name]);
      applied.push(migration.name);
    }

    const current = (await client.query<{ checksum: string }>('select checksum from schema_views')).rows[0]?.checksum;
    const viewsRecreated = current !== viewsChecksum;
    if (viewsRecreated) {
      // Drop in reverse dependency order, then create them all from their files.
      for (const view of [...views].reverse()) {
        const kind = (await client.query<{ relkind: string }>(
          `select relkind from pg_class where relname = $1 and relnamespace = current_schema()::regnamespace`, [view.name])).rows[0]?.relkind;
        if (kind === 'm') await client.query(`drop materialized view ${quoteIdent(view.name)} cascade`);
        else if (kind === 'v') await client.query(`drop view ${quoteIdent(view.name)} cascade`);
      }
      for (const view of views) await client.query(view.sql);
      // Each file defines the function it is named after. Every existing version of it is dropped
      // first: `create or replace` cannot change a function's result columns, and a changed
      // parameter type would add an overload that makes untyped calls ambiguous.
      for (const fn of functions) {
        const { rows } = await client.query<{ signature: string }>(
          `select oid::regprocedure::text as signature from pg_proc
            where proname = $1 and pronamespace = current_schema()::regnamespace`, [fn.name]);
        for (const { signature } of rows) await client.query(`drop function ${signature}`);
        await client.query(fn.sql);
      }
      await client.query(`insert into schema_views (checksum) values ($1)
        on conflict (id) do update set checksum = excluded.checksum, applied_at = now()`, [viewsChecksum]);
    }
    await client.query('commit');
    return { appliedMigrations: applied, viewsRecreated };
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
