// Building blocks for tests: hunts, players and answers made through the public API.
import { expect } from 'chai';
import { ADMIN_TOKEN } from './engine.ts';
import type { Client } from './client.ts';
import type { Queryable } from '../../src/core/db.ts';

export interface ClueSpec {
  title?: string; body?: string; points?: number; answers: string[];
  unlock?: { afterClues?: number[]; afterFinds?: number; afterMinutes?: number };
  hints?: { text: string; cost: number }[];
}

export async function createHunt(client: Client, slug: string, clues: ClueSpec[], extra: Record<string, unknown> = {}) {
  const res = await client.post('/v1/admin/hunts', {
    slug, title: `Hunt ${slug}`, status: 'live',
    clues: clues.map((c, i) => ({
      title: c.title ?? `Clue ${i + 1}`, body: c.body ?? `Body ${i + 1}`, points: c.points ?? 10, answers: c.answers,
      ...(c.unlock === undefined ? {} : { unlock: c.unlock }), ...(c.hints === undefined ? {} : { hints: c.hints }),
    })),
    ...extra,
  }, { token: ADMIN_TOKEN });
  expect(res.status, res.text).to.equal(201);
  return res.body as { slug: string; clues: { id: string; position: number }[] };
}

export async function registerPlayer(client: Client, handle: string) {
  const res = await client.post('/v1/players', { handle });
  expect(res.status, res.text).to.equal(201);
  return res.body as { id: string; handle: string; token: string };
}

export async function answer(client: Client, slug: string, clueId: string, token: string, text: string) {
  return client.post(`/v1/hunts/${slug}/clues/${clueId}/answers`, { answer: text }, { token });
}

/** Changes not yet published: dirty hunts plus unconsumed player changes (for one hunt, or all). */
export async function unpublishedChanges(pool: Queryable, huntId?: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select (select count(*) from dirty_hunts where $1::uuid is null or hunt_id = $1)
          + (select count(*) from read_model_changes where $1::uuid is null or hunt_id = $1) as n`, [huntId ?? null]);
  return Number(rows[0]!.n);
}

/**
 * Settled: nothing left for the worker (for one hunt, or all) and the API process holding every
 * publish committed so far. Readers are notified after a publish commits, so "nothing pending" in
 * the database alone can still be served from the publish before.
 */
export async function settled(pool: Queryable, client: Client, huntId?: string): Promise<boolean> {
  if (await unpublishedChanges(pool, huntId) > 0) return false;
  const { rows } = await pool.query<{ seq: string | null }>('select max(published_seq) as seq from snapshot_documents');
  const ready = await client.get('/readyz');
  return Number(ready.body.snapshots.seq) >= Number(rows[0]!.seq ?? 0);
}
