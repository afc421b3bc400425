// Transfer codes: what a player types on a new device to get a token of their own there
// (POST /v1/me/transfer-codes, then POST /v1/players/claim). Easy to type on a phone: 10 characters
// from an alphabet without the look-alikes 0/O, 1/I/L, shown grouped as ABCD-EFGH-JK, accepted in
// any case and with or without dashes and spaces.
//
// 31^10 codes (49 bits): a code lives 10 minutes, is used once, and claims are limited per address
// (CLAIM_RATE_LIMIT), so guessing one is hopeless. Stored only as the SHA-256 of the normalized
// code, as tokens are (tokens.ts): a leaked table holds nothing claimable.
import { randomInt } from 'node:crypto';
import type { Queryable } from './db.ts';
import { hashToken } from './tokens.ts';

export const TRANSFER_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const TRANSFER_CODE_LENGTH = 10;
export const TRANSFER_CODE_TTL_MS = 10 * 60_000;
const WELL_FORMED = new RegExp(`^[${TRANSFER_CODE_ALPHABET}]{${TRANSFER_CODE_LENGTH}}$`);

/** A new random code, grouped for reading: `ABCD-EFGH-JK`. */
export function newTransferCode(): string {
  let code = '';
  for (let i = 0; i < TRANSFER_CODE_LENGTH; i++) code += TRANSFER_CODE_ALPHABET[randomInt(TRANSFER_CODE_ALPHABET.length)];
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** A code as typed, normalized (upper case, no dashes or spaces); undefined when it cannot be a code. */
export function normalizeTransferCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  return WELL_FORMED.test(code) ? code : undefined;
}

/** What is stored of a code: the SHA-256 of its normalized form (as normalizeTransferCode returns it). */
export function hashTransferCode(normalized: string): Buffer {
  return hashToken(normalized);
}

/** Codes expired more than this long ago are deleted (used or not): nothing needs them. */
const KEEP_EXPIRED = "interval '1 hour'";

/** Deletes transfer codes that expired more than an hour ago; returns how many. */
export async function pruneTransferCodes(db: Queryable): Promise<number> {
  // The table holds at most a code per player asking in the last ten minutes plus an hour of used
  // ones: one statement, on the expires_at index.
  const { rowCount } = await db.query(`delete from transfer_codes where expires_at < now() - ${KEEP_EXPIRED}`);
  return rowCount ?? 0;
}
