// "Refreshing hunt X": a session-level advisory lock held across the read transaction and the
// publish transaction of one refresh, so two refreshes of a hunt never interleave, whichever
// workers run them. If the worker dies the session ends and PostgreSQL releases the lock.
import type { Client, Pool } from '../core/db.ts';

const HUNT_LOCK_CLASS = 0x7468_6503;

/** What withHuntLock returns when told not to wait and another session holds the hunt. */
export const HUNT_BUSY = Symbol('hunt busy');

/**
 * Runs fn holding the hunt's lock. `wait: false` returns HUNT_BUSY at once when another session
 * (another worker) is refreshing the hunt, instead of queueing behind it.
 */
export function withHuntLock<T>(pool: Pool, huntId: string, fn: (client: Client) => Promise<T>): Promise<T>;
export function withHuntLock<T>(pool: Pool, huntId: string, fn: (client: Client) => Promise<T>, opts: { wait: boolean }): Promise<T | typeof HUNT_BUSY>;
export async function withHuntLock<T>(pool: Pool, huntId: string, fn: (client: Client) => Promise<T>, opts: { wait?: boolean } = {}): Promise<T | typeof HUNT_BUSY> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    if (opts.wait === false) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [HUNT_LOCK_CLASS, huntId]);
      if (!rows[0]?.locked) return HUNT_BUSY;
    } else {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [HUNT_LOCK_CLASS, huntId]);
    }
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
