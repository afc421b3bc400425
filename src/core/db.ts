// Database access shared by the API and the worker: one pool per process, typed query helpers
// named after what they expect (slonik's one/maybeOne/many), and a transaction helper.
import pg from 'pg';
import { statementLabel, toDatabaseError } from './database-errors.ts';

// int8 (count(*), sums, bigserial) arrive as strings by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  /**
   * false: queries' names are dropped, so every statement is unnamed (parsed and planned per
   * call). A transaction pooler (PgBouncer before 1.21) hands each transaction to any server
   * connection, where a statement prepared on another one does not exist.
   */
  namedStatements?: boolean;
}

export function createPool(connectionString: string, max: number, applicationName: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    // Our statements are short and per hunt: JIT compilation costs more (tens of ms) than it saves.
    // client_connection_check_interval (PostgreSQL 14+): a statement whose client died (a worker
    // killed mid-refresh) is cancelled within a second, releasing its locks, instead of running on.
    options: '-c jit=off -c client_connection_check_interval=1000',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  typeErrors(pool, options.namedStatements === false);
  return pool;
}

/** fn with a pool of one connection, ended afterwards (a step at start, e.g. migrations on the direct URL). */
export async function withPool<T>(connectionString: string, applicationName: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool(connectionString, 1, applicationName);
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/**
 * Every promise a pool or its clients return rejects with the typed errors of
 * database-errors.ts, so no caller ever looks at a driver's error. Callback and cursor calls (the
 * pool's own use of its clients) are left alone.
 */
function typeErrors(pool: pg.Pool, unnamed: boolean): void {
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => typed(poolQuery(...(unnamed ? withoutName(args) : args)), args[0])) as typeof pool.query;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) => {
    const result = connect(...args);
    return result instanceof Promise ? result.catch((err: unknown) => { throw toDatabaseError(err, undefined, 'connect'); }) : result;
  }) as typeof pool.connect;
  pool.on('connect', (client) => {
    // A checked-out client whose connection dies between two statements emits 'error', which with
    // no listener would crash the process; its next statement rejects (typed) anyway.
    client.on('error', () => undefined);
    const clientQuery = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => typed(clientQuery(...(unnamed ? withoutName(args) : args)), args[0])) as typeof client.query;
  });
}

/** A query config's name dropped (a cursor or other submittable is left as it is). */
function withoutName(args: unknown[]): unknown[] {
  const [query, ...rest] = args;
  if (typeof query !== 'object' || query === null || !('name' in query) || 'submit' in query) return args;
  const { name: _, ...unnamed } = query as { name: unknown };
  return [unnamed, ...rest];
}

function typed(result: unknown, query: unknown): unknown {
  if (!(result instanceof Promise)) return result;
  return result.catch((err: unknown) => { throw toDatabaseError(err, statementLabel(query), 'driver'); });
}

export async function many<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  return result.rows as T[];
}

export async function maybeOne<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await many<T>(db, sql, params);
  if (rows.length > 1) throw new Error(`expected at most one row, got ${rows.length}`);
  return rows[0];
}

export async function one<T>(db: Queryable, sql: string, params: unknown[] = []): Promise<T> {
  const row = await maybeOne<T>(db, sql, params);
  if (row === undefined) throw new Error('expected one row, got none');
  return row;
}

export interface TransactionOptions {
  /** Waits for a lock at most this long, then fails with LockTimeoutError (nothing written). */
  lockTimeoutMs?: number;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    if (opts.lockTimeoutMs !== undefined) await client.query(`set local lock_timeout = ${Math.max(1, Math.floor(opts.lockTimeoutMs))}`);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
