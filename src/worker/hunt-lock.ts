// "Refreshing hunt X": a session-level advisory lock held across the read transaction and the
// publish transaction of one refresh, so two refreshes of a hunt never interleave, whichever
// workers run them. If the worker dies the session ends and PostgreSQL releases the lock.
import type { Client, Pool } from '../core/db.ts';

const HUNT_LOCK_CLASS = 0x7468_6503;

export async function withHuntLock<T>(pool: Pool, huntId: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId]);
    try {
      return await fn(client);
    } finally {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId])
        .catch((err: Error) => { broken = err; });
    }
  } catch (err) {
    broken ??= err as Error;
    throw err;
  } finally {
    // A connection that may still hold the lock (or sits in a failed transaction) is discarded.
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
