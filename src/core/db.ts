// Database access shared by the API and the worker: one pool per process, typed query helpers
// named after what they expect (slonik's one/maybeOne/many), and a transaction helper.
import pg from 'pg';

// int8 (count(*), sums, bigserial) arrive as strings by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export function createPool(connectionString: string, max: number, applicationName: string): pg.Pool {
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
  return pool;
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

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
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

/** Errors that mean "the database is not reachable right now", as opposed to a bad statement. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  if (typeof code === 'string') {
    // Class 08 connection exceptions, 57P01-57P03 admin shutdown / cannot connect now.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  }
  const message = (err as { message?: string } | null)?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(message);
}
