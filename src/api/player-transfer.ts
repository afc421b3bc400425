// Moving to another device: a player with a token asks for a transfer code (valid 10 minutes, used
// once) and claims it on the new device, which gets a new token for the same player; the old
// token keeps working. Codes and tokens are stored only as SHA-256 hashes (sql/schema/007).
import type { Queryable } from '../core/db.ts';
import { maybeOne, one } from '../core/db.ts';
import { hashToken, newToken } from '../core/tokens.ts';
import {
  TRANSFER_CODE_TTL_MS, hashTransferCode, newTransferCode, normalizeTransferCode,
} from '../core/transfer-codes.ts';
import type { Player } from './player-directory.ts';

/**
 * A new code for the player, replacing any code of theirs not yet used (one unused code per
 * player, transfer_codes_one_unused): asking again never piles up rows, and concurrent requests of
 * one player serialize on that index, the last one's code standing.
 */
export async function createTransferCode(db: Queryable, playerId: string): Promise<{ code: string; expiresAt: string }> {
  const code = newTransferCode();
  const { expires_at } = await one<{ expires_at: Date }>(db,
    `insert into transfer_codes (code_hash, player_id, expires_at)
     values ($1, $2, now() + $3::int * interval '1 millisecond')
     on conflict (player_id) where used_at is null do update
       set code_hash = excluded.code_hash, created_at = excluded.created_at, expires_at = excluded.expires_at
     returning expires_at`,
    [hashTransferCode(normalizeTransferCode(code)!), playerId, TRANSFER_CODE_TTL_MS]);
  return { code, expiresAt: expires_at.toISOString() };
}

/**
 * Claims a code as typed: the player it was made for, with a new token, or undefined when the code
 * is unknown, used, expired or malformed. One statement marks the code used (only if it still is
 * unused and unexpired: of concurrent claims, the first to lock the row wins and the others find
 * it used) and stores the new token's hash.
 */
export async function claimTransferCode(db: Queryable, typed: string): Promise<{ player: Player; token: string; tokenHash: Buffer } | undefined> {
  const code = normalizeTransferCode(typed);
  if (code === undefined) return undefined;
  const token = newToken();
  const tokenHash = hashToken(token);
  const player = await maybeOne<Player>(db,
    `with claimed as (
       update transfer_codes set used_at = now()
        where code_hash = $1 and used_at is null and expires_at > now()
       returning player_id
     ), issued as (
       insert into player_tokens (token_hash, player_id) select $2, player_id from claimed
       returning player_id
     )
     select p.id, p.handle from issued join players p on p.id = issued.player_id`,
    [hashTransferCode(code), tokenHash]);
  return player && { player: { id: player.id, handle: player.handle }, token, tokenHash };
}
