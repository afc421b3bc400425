// Per-minute limits kept in PostgreSQL (sql/functions/count_in_minute.sql), so they hold across
// every API process.
import type { Queryable } from '../core/db.ts';
import { ApiError } from './api-error.ts';

export type RateScope = 'guess' | 'register';

export const rateLimited = (seconds: number, message: string) =>
  new ApiError(429, 'rate_limited', message, { 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

/**
 * Counts one event for (scope, key) in the current minute, or refuses it with 429 and
 * Retry-After (until the minute ends) past `limit`, counting nothing.
 */
export async function countInMinute(db: Queryable, scope: RateScope, key: string, limit: number, message: string): Promise<void> {
  const { rows: [window] } = await db.query<{ allowed: boolean; reset_in: number }>(
    'select allowed, reset_in from count_in_minute($1, $2, $3)', [scope, key, limit]);
  if (!window!.allowed) throw rateLimited(window!.reset_in, message);
}
