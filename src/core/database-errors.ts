// Driver errors become typed errors here, once (slonik's errors.ts): each carries the SQLSTATE,
// the constraint where there is one, and which statement failed. Callers decide by type, never by
// message text: matching text is how an outage once became a 500.
import pg from 'pg';

export class DatabaseError extends Error {
  /** SQLSTATE, or the socket's error code (ECONNREFUSED...), when there is one. */
  readonly sqlstate: string | undefined;
  /** The statement's name when it has one, else its first words: which statement failed. */
  readonly statement: string | undefined;
  constructor(message: string, opts: { sqlstate?: string | undefined; statement?: string | undefined; cause: unknown }) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.sqlstate = opts.sqlstate;
    this.statement = opts.statement;
  }
}

/** PostgreSQL cannot be reached or is refusing work now: retrying later may succeed. */
export class DatabaseUnavailableError extends DatabaseError {}

/** A statement outlived its deadline (statement_timeout, or cancelled by us): nothing of it was written. */
export class StatementTimeoutError extends DatabaseError {}

/** A lock could not be taken within lock_timeout: nothing of it was written. */
export class LockTimeoutError extends DatabaseError {}

/**
 * The transaction was rolled back to settle a conflict with another (a deadlock, or a
 * serialization failure): nothing of it was written, and running it again may succeed.
 */
export class TransactionConflictError extends DatabaseError {}

/** A unique constraint refused a row; `constraint` says which. */
export class UniqueViolationError extends DatabaseError {
  readonly constraint: string;
  constructor(message: string, opts: { sqlstate: string; statement: string | undefined; constraint: string; cause: unknown }) {
    super(message, opts);
    this.constraint = opts.constraint;
  }
}

/** Text PostgreSQL cannot store (NUL bytes, invalid encodings): the client's input. */
export class UnstorableTextError extends DatabaseError {}

// Socket-level failures reported by Node rather than by the server.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function unavailableState(sqlstate: string): boolean {
  // 08: connection exceptions; 57P01-57P05: admin or crash shutdown, cannot connect now, idle
  // session timeout; 53300: too many connections; 55000: "database is not accepting connections"
  // (ALLOW_CONNECTIONS false; its class also holds other states, all about the server, none the
  // client's fault).
  return sqlstate.startsWith('08') || sqlstate.startsWith('57P') || sqlstate === '53300' || sqlstate === '55000';
}

/** Which statement: its prepared name, or its first words. */
export function statementLabel(query: unknown): string | undefined {
  if (typeof query === 'string') return query.replace(/\s+/g, ' ').trim().slice(0, 80);
  if (query && typeof query === 'object') {
    const { name, text } = query as { name?: unknown; text?: unknown };
    if (typeof name === 'string') return name;
    if (typeof text === 'string') return statementLabel(text);
  }
  return undefined;
}

/**
 * Where an error was met: acquiring a connection (refused, timed out, the pool's acquire timeout:
 * always unavailable), inside a driver call (a plain Error there is a lost connection), or
 * somewhere unknown (only server and socket errors are recognised).
 */
export type ErrorOrigin = 'connect' | 'driver' | 'unknown';

/** The typed form of an error met while talking to PostgreSQL; other errors pass through unchanged. */
export function toDatabaseError(err: unknown, statement?: string, origin: ErrorOrigin = 'unknown'): unknown {
  if (err instanceof DatabaseError) return err;
  if (!(err instanceof Error)) return err;
  const cause = err;
  if (err instanceof pg.DatabaseError) {
    const sqlstate = err.code ?? '';
    const opts = { sqlstate, statement, cause };
    if (unavailableState(sqlstate)) return new DatabaseUnavailableError(`database unavailable (${sqlstate}): ${err.message}`, opts);
    if (sqlstate === '57014') return new StatementTimeoutError(`statement cancelled (${sqlstate}): ${err.message}`, opts);
    if (sqlstate === '55P03') return new LockTimeoutError(`lock not available (${sqlstate}): ${err.message}`, opts);
    if (sqlstate === '40P01' || sqlstate === '40001') return new TransactionConflictError(`transaction conflict (${sqlstate}): ${err.message}`, opts);
    if (sqlstate === '23505') return new UniqueViolationError(err.message, { ...opts, constraint: err.constraint ?? '' });
    if (sqlstate === '22021' || sqlstate === '22P05') return new UnstorableTextError(err.message, opts);
    return new DatabaseError(`${err.message} (${sqlstate})`, opts);
  }
  const code = (err as { code?: unknown }).code;
  if (origin === 'connect' || (typeof code === 'string' && SOCKET_CODES.has(code))) {
    return new DatabaseUnavailableError(`database unreachable: ${err.message}`, { sqlstate: typeof code === 'string' ? code : undefined, statement, cause });
  }
  // The driver reports a lost connection ("Connection terminated unexpectedly", "not queryable",
  // its query read timeout) as a plain Error; a bug of ours in building a statement surfaces as a
  // TypeError or RangeError and stays what it is.
  if (origin === 'driver' && Object.getPrototypeOf(err) === Error.prototype) {
    return new DatabaseUnavailableError(`database connection lost: ${err.message}`, { statement, cause });
  }
  return err;
}

/** Runs one call into a database library (pg-boss, say) with its errors typed as ours. */
export async function databaseCall<T>(statement: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toDatabaseError(err, statement, 'driver');
  }
}
