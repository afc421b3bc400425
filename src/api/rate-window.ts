// Per-minute limits kept in PostgreSQL (sql/functions/count_in_minute.sql), so they hold across
// every API process.
import net from 'node:net';
import type { Queryable } from '../core/db.ts';
import { ApiError } from './api-error.ts';

export type RateScope = 'guess' | 'register' | 'claim';

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

/**
 * The key a client address is limited by: an IPv4 address itself (also IPv4-mapped, ::ffff:a.b.c.d,
 * as a dual-stack socket reports it), an IPv6 address by its /64: the smallest network handed to one
 * subscriber, so one client holds 2^64 addresses of it.
 */
export function addressKey(address: string): string {
  if (!net.isIPv6(address)) return address;
  const g = ipv6Groups(address);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address ("::" expanded, a dotted IPv4 tail converted, a zone dropped). */
function ipv6Groups(address: string): number[] {
  const groups = (part: string | undefined) => !part ? [] : part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
  const [head, tail] = address.split('%')[0]!.split('::');
  const left = groups(head);
  const right = groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
