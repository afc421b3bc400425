// "Settled": nothing left for the worker (no dirty hunt, no pending player change) and the API
// holding everything that was published.
import type pg from 'pg';
import { FORMAT_VERSION } from '../../src/core/documents.ts';

/** Rows waiting for the worker, per table; tables a schema version lacks are skipped. */
export async function pendingWork(db: pg.Pool | pg.Client): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relname in ('dirty_hunts', 'read_model_changes')`);
  const out: Record<string, number> = {};
  for (const { name } of tables) out[name] = (await db.query<{ n: number }>(`select count(*)::int as n from ${name}`)).rows[0]!.n;
  return out;
}

/**
 * Waits until nothing is pending and the API's snapshot sequence has reached the last published
 * one; returns the milliseconds it took.
 */
export async function waitSettled(db: pg.Pool | pg.Client, apiUrls: string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const pending = await pendingWork(db);
    if (Object.values(pending).every((n) => n === 0)) {
      const { rows: [row] } = await db.query<{ seq: number | null }>('select max(published_seq)::float8 as seq from snapshot_documents where format_version = $1', [FORMAT_VERSION]);
      const seqs = await Promise.all(apiUrls.map(async (u) => ((await (await fetch(`${u}/readyz`)).json()) as { snapshots: { seq: number } }).snapshots.seq));
      if (seqs.every((s) => s >= (row!.seq ?? 0))) return Date.now() - started;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`not settled after ${timeoutMs} ms: ${JSON.stringify(pending)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
