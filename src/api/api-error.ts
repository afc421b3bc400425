// Every client-visible error is an ApiError: an HTTP status, one stable code per case, and a
// human message. The error handler (and the snapshot fast path) render them in one shape.
import type { ServerResponse } from 'node:http';
import {
  DatabaseUnavailableError, LockTimeoutError, StatementTimeoutError, TransactionConflictError, UniqueViolationError, UnstorableTextError,
  toDatabaseError,
} from '../core/database-errors.ts';

export type ErrorCode =
  | 'invalid_body' | 'invalid_query' | 'unauthorized' | 'not_found' | 'handle_taken' | 'slug_taken'
  | 'hunt_not_live' | 'invalid_transition' | 'rate_limited' | 'unavailable' | 'internal'
  | 'not_team_hunt' | 'team_name_taken' | 'already_in_team' | 'team_full' | 'team_required'
  | 'clue_locked' | 'already_found' | 'hint_locked';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new ApiError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer' });
export const unavailable = (message = 'the database is unavailable; try again shortly') =>
  new ApiError(503, 'unavailable', message, { 'retry-after': '2' });

/** Unique constraints a client can run into, and what they mean to it. */
const TAKEN: Record<string, () => ApiError> = {
  players_handle_key: () => new ApiError(409, 'handle_taken', 'this handle is taken (handles are compared without case)'),
  hunts_slug_key: () => new ApiError(409, 'slug_taken', 'a hunt with this slug already exists'),
  teams_name_per_hunt: () => new ApiError(409, 'team_name_taken', 'a team of this hunt already has this name (names are compared without case)'),
  // Two joins (or a create and a join) of one player at once: the second finds the first's row.
  team_members_pkey: () => new ApiError(409, 'already_in_team', 'you are already in a team of this hunt; leave it first'),
};

/**
 * The one place an error gets its HTTP status: ApiErrors as they are, database errors by type.
 * Undefined for anything else (a bug: 500).
 */
export function httpErrorOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const typed = toDatabaseError(err);
  if (typed instanceof DatabaseUnavailableError) return unavailable();
  if (typed instanceof StatementTimeoutError || typed instanceof LockTimeoutError || typed instanceof TransactionConflictError) {
    return unavailable('the database is too busy to do this now; nothing was changed, try again shortly');
  }
  if (typed instanceof UniqueViolationError) return TAKEN[typed.constraint]?.();
  if (typed instanceof UnstorableTextError) return new ApiError(400, 'invalid_body', 'the request contains characters that cannot be stored');
  return undefined;
}

export function sendError(res: ServerResponse, err: ApiError): void {
  const body = JSON.stringify({ error: err.code, message: err.message });
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
