// Who a token belongs to and what a player id is called, with bounded in-memory caches in front of
// primary-key lookups. Tokens are cached by their SHA-256, never in the clear.
import type { Pool } from '../core/db.ts';
import { isConnectionError, maybeOne } from '../core/db.ts';
import { hashToken } from '../core/tokens.ts';
import { unavailable } from './api-error.ts';

export interface Player { id: string; handle: string }

/** A Map that forgets its oldest entries past a size: enough LRU for immutable facts. */
class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  get(key: K): V | undefined { return this.map.get(key); }
  set(key: K, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}

export class PlayerDirectory {
  private readonly byToken = new BoundedCache<string, Player>(100_000);
  private readonly handles = new BoundedCache<string, string>(100_000);
  private readonly pool: Pool;

  constructor(pool: Pool) { this.pool = pool; }

  /** The player a bearer token belongs to, or undefined when no player has it. */
  async byBearer(token: string): Promise<Player | undefined> {
    const hash = hashToken(token);
    const cacheKey = hash.toString('base64');
    const cached = this.byToken.get(cacheKey);
    if (cached) return cached;
    const player = await guard(() => maybeOne<Player>(this.pool, 'select id, handle from players where token_hash = $1', [hash]));
    if (player) {
      this.byToken.set(cacheKey, player);
      this.handles.set(player.id, player.handle);
    }
    return player;
  }

  /** The handle of a player id, or undefined when there is no such player. */
  async handleOf(playerId: string): Promise<string | undefined> {
    const cached = this.handles.get(playerId);
    if (cached) return cached;
    const row = await guard(() => maybeOne<{ handle: string }>(this.pool, 'select handle from players where id = $1', [playerId]));
    if (row) this.handles.set(playerId, row.handle);
    return row?.handle;
  }

  remember(player: Player): void { this.handles.set(player.id, player.handle); }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isConnectionError(err)) throw unavailable();
    throw err;
  }
}
