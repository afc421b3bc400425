// Per-minute limits kept in PostgreSQL (rate_windows), so they hold across every API process.
import type { Queryable } from '../core/db.ts';
import { ApiError } from './api-error.ts';

export type RateScope = 'guess' | 'register';

export const rateLimited = (seconds: number, message: string) =>
  new ApiError(429, 'rate_limited', message, { 'retry-after': String(Math.max(1, Math.ceil(seconds))) });

/**
 * Counts one event for (scope, key) in the current minute, in the caller's transaction, and
 * refuses it with 429 and Retry-After (until the minute ends) past `limit`. The refusal rolls the
 * caller's transaction back, count included.
 */
export async function countInMinute(tx: Queryable, scope: RateScope, key: string, limit: number, message: string): Promise<void> {
  const { rows: [window] } = await tx.query<{ hits: number; reset_in: number }>(
    `insert into rate_windows as w (scope, key, window_start, hits)
     values ($1, $2, date_trunc('minute', clock_timestamp()), 1)
     on conflict (scope, key) do update set
       hits = case when w.window_start = excluded.window_start then w.hits + 1 else 1 end,
       window_start = excluded.window_start
     returning hits, extract(epoch from window_start + interval '1 minute' - clock_timestamp())::float8 as reset_in`,
    [scope, key]);
  if (window!.hits > limit) throw rateLimited(window!.reset_in, message);
}
