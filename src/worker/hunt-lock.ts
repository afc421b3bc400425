// "Refreshing hunt X": a session-level advisory lock held across the read transaction and the
// publish transaction of one refresh, so two refreshes of a hunt never interleave, whichever
// workers run them. If the worker dies the session ends and PostgreSQL releases the lock.
import type { Client, Pool } from '../core/db.ts';

const HUNT_LOCK_CLASS = 0x7468_6503;

/** Runs fn holding the hunt's lock, waiting for another session (another worker) to release it. */
export async function withHuntLock<T>(pool: Pool, huntId: string, fn: (client: Client) => Promise<T>): Promise<T> {
  return withConnection(pool, async (client) => {
    await client.query('select pg_advisory_lock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId]);
    try {
      return await fn(client);
    } finally {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId]);
    }
  });
}

/**
 * Runs fn holding the locks of those of the hunts no other session holds, taken in one round
 * trip without waiting: a hunt another worker is refreshing is left to it (it heard the same
 * NOTIFY and runs again for what came after). fn gets the hunts it holds, in the given order.
 */
export async function withFreeHuntLocks<T>(pool: Pool, huntIds: string[], fn: (client: Client, held: string[]) => Promise<T>): Promise<T> {
  return withConnection(pool, async (client) => {
    const { rows } = await client.query<{ held: string[] }>(
      `select coalesce(array_agg(h order by n), '{}') as held
         from unnest($2::text[]) with ordinality as t(h, n)
        where pg_try_advisory_lock($1, hashtext(h))`, [HUNT_LOCK_CLASS, huntIds]);
    const held = rows[0]!.held;
    try {
      return await fn(client, held);
    } finally {
      if (held.length > 0) {
        await client.query('select count(pg_advisory_unlock($1, hashtext(h))) from unnest($2::text[]) as h', [HUNT_LOCK_CLASS, held]);
      }
    }
  });
}

async function withConnection<T>(pool: Pool, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // A connection that may still hold a lock (or sits in a failed transaction) is discarded.
    client.release(broken);
  }
}

/** Runs fn in one REPEATABLE READ READ ONLY transaction: every statement sees the same snapshot. */
export function inSnapshot<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  return transaction(client, 'begin isolation level repeatable read read only', fn);
}

/** Runs fn in one READ COMMITTED transaction. */
export function inTransaction<T>(client: Client, fn: () => Promise<T>): Promise<T> {
  return transaction(client, 'begin', fn);
}

async function transaction<T>(client: Client, begin: string, fn: () => Promise<T>): Promise<T> {
  await client.query(begin);
  try {
    const result = await fn();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}
