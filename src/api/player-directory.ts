// Who a token belongs to and what a player id is called, with bounded in-memory caches in front of
// primary-key lookups. Tokens are cached by their SHA-256, never in the clear. A token or id this
// process has not seen costs a lookup from the unverified budget (lookup-budget.ts); one found to
// name nobody is remembered as such, so repeating it costs nothing.
import type { Pool } from '../core/db.ts';
import { maybeOne } from '../core/db.ts';
import { hashToken } from '../core/tokens.ts';
import { BoundedCache, type LookupBudget } from './lookup-budget.ts';

export interface Player { id: string; handle: string }

const NOBODY = Symbol('nobody');

export class PlayerDirectory {
  private readonly byToken = new BoundedCache<string, Player | typeof NOBODY>(100_000);
  private readonly handles = new BoundedCache<string, string | typeof NOBODY>(100_000);
  private readonly pool: Pool;
  private readonly budget: LookupBudget;

  constructor(pool: Pool, budget: LookupBudget) {
    this.pool = pool;
    this.budget = budget;
  }

  /** The player a bearer token belongs to, or undefined when no player has it. */
  async byBearer(token: string): Promise<Player | undefined> {
    const hash = hashToken(token);
    const cacheKey = hash.toString('base64');
    const cached = this.byToken.get(cacheKey);
    if (cached !== undefined) return cached === NOBODY ? undefined : cached;
    this.budget.spend();
    const player = await maybeOne<Player>(this.pool, 'select id, handle from players where token_hash = $1', [hash]);
    if (player) this.remember(player, hash);
    // A token nobody has stays nobody's: tokens are random and never reassigned.
    else this.byToken.set(cacheKey, NOBODY);
    return player;
  }

  /** The handle of a player id, or undefined when there is no such player. */
  async handleOf(playerId: string): Promise<string | undefined> {
    const cached = this.handles.get(playerId);
    if (cached !== undefined) return cached === NOBODY ? undefined : cached;
    this.budget.spend();
    const row = await maybeOne<{ handle: string }>(this.pool, 'select handle from players where id = $1', [playerId]);
    // An id unknown now may be registered later only by chance (ids are random UUIDs); remembered
    // as nobody, it is forgotten with the oldest entries.
    this.handles.set(playerId, row ? row.handle : NOBODY);
    return row?.handle;
  }

  /** A player this process has seen (registered here, or found by token), with their token's hash. */
  remember(player: Player, tokenHash?: Buffer): void {
    this.handles.set(player.id, player.handle);
    if (tokenHash) this.byToken.set(tokenHash.toString('base64'), player);
  }

  /** Whether this process knows the id names a player, without asking the database. */
  knows(playerId: string): boolean {
    const cached = this.handles.get(playerId);
    return cached !== undefined && cached !== NOBODY;
  }
}
