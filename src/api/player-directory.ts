// Who a token belongs to and what a player id is called. An API process holds every player (id,
// handle, the SHA-256 of their token: never the token) from its start, and polls each second for
// those registered since, so a real player's token or id costs no statement, however many players
// arrive at once when a hunt starts. What it cannot vouch for (a token registered elsewhere within
// the last second, or made up; a random id) costs a lookup from the unverified budget
// (lookup-budget.ts); one found to name nobody is remembered as such, so repeating it costs nothing.
// About 250 bytes a player: 20,000 players are 5 MB.
// A player's tokens are their first (players.token_hash, from registration) and any claimed with a
// transfer code since (player_tokens, sql/schema/007): both are loaded and polled, and a claim in
// this process is remembered at once.
import type { Pool } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { hashToken } from '../core/tokens.ts';
import { BoundedCache, type LookupBudget } from './lookup-budget.ts';

export interface Player { id: string; handle: string }

const NOBODY = Symbol('nobody');

// A player registered at time t (clock_timestamp() in its insert) commits a moment later, perhaps
// after a poll that started past t: each poll reads again from this far before the previous one
// started. Measured from the database's clock at each poll, never from the newest registration
// seen: a bulk load long ago is not read again and again.
const POLL_OVERLAP_MS = 5000;
const LOAD_CHUNK = 10_000;

interface PlayerRow { id: string; handle: string; token_hash: Buffer }

export class PlayerDirectory {
  /** Every player, by their token's hash (base64). */
  private readonly players = new Map<string, Player>();
  /** Handles of every player, by id. */
  private readonly known = new Map<string, string>();
  /** What lookups outside the held set found (and found to be nobody's), bounded. */
  private readonly byToken = new BoundedCache<string, Player | typeof NOBODY>(100_000);
  private readonly handles = new BoundedCache<string, string | typeof NOBODY>(100_000);
  private readonly pool: Pool;
  private readonly budget: LookupBudget;
  private readonly log: Logger | undefined;
  /** The database's now() at the start of the last complete read. */
  private readAt = new Date(0);
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(pool: Pool, budget: LookupBudget, log?: Logger) {
    this.pool = pool;
    this.budget = budget;
    this.log = log;
  }

  get size(): number { return this.players.size; }

  /** Loads every player, then keeps up with new ones every `pollMs`. */
  async start(pollMs = 1000): Promise<void> {
    const { now } = (await many<{ now: Date }>(this.pool, 'select now()'))[0]!;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await many<PlayerRow>(this.pool,
        'select id, handle, token_hash from players where id > $1 order by id limit $2', [after, LOAD_CHUNK]);
      for (const row of rows) this.hold(row);
      if (rows.length < LOAD_CHUNK) break;
      after = rows.at(-1)!.id;
    }
    // Tokens claimed with transfer codes, by their primary key.
    let afterHash: Buffer = Buffer.alloc(0);
    for (;;) {
      const rows = await many<PlayerRow>(this.pool,
        `select p.id, p.handle, t.token_hash from player_tokens t join players p on p.id = t.player_id
          where t.token_hash > $1 order by t.token_hash limit $2`, [afterHash, LOAD_CHUNK]);
      for (const row of rows) this.hold(row);
      if (rows.length < LOAD_CHUNK) break;
      afterHash = rows.at(-1)!.token_hash;
    }
    this.readAt = now;
    this.timer = setInterval(() => {
      this.polling ??= this.poll().catch((err: unknown) => this.log?.debug('player poll failed', { err })).finally(() => { this.polling = undefined; });
    }, pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private async poll(): Promise<void> {
    const since = new Date(this.readAt.getTime() - POLL_OVERLAP_MS);
    // One row at least (the left join), so the poll's own start time comes back with no players.
    // New players with their first token, and tokens claimed since (player_tokens.created_at).
    const rows = await many<{ now: Date } & ({ id: string; handle: string; token_hash: Buffer } | { id: null })>(this.pool,
      `select now(), t.id, t.handle, t.token_hash
         from (values (1)) as one (x) left join (
           select id, handle, token_hash from players where created_at > $1
           union all
           select p.id, p.handle, pt.token_hash from player_tokens pt join players p on p.id = pt.player_id
            where pt.created_at > $1
         ) t on true`, [since]);
    for (const row of rows) if (row.id !== null) this.hold(row);
    this.readAt = rows[0]!.now;
  }

  private hold(row: { id: string; handle: string; token_hash: Buffer }): void {
    const player = { id: row.id, handle: row.handle };
    this.players.set(row.token_hash.toString('base64'), player);
    this.known.set(row.id, row.handle);
  }

  /** The player a bearer token belongs to when this process holds it, without asking the database. */
  heldBearer(token: string): Player | undefined {
    return this.players.get(hashToken(token).toString('base64'));
  }

  /** The player a bearer token belongs to, or undefined when no player has it. */
  async byBearer(token: string): Promise<Player | undefined> {
    const hash = hashToken(token);
    const cacheKey = hash.toString('base64');
    const held = this.players.get(cacheKey);
    if (held) return held;
    const cached = this.byToken.get(cacheKey);
    if (cached !== undefined) return cached === NOBODY ? undefined : cached;
    this.budget.spend();
    // A first token (registration) or one claimed with a transfer code: one index lookup each.
    const player = await maybeOne<Player>(this.pool,
      `select id, handle from players where token_hash = $1
       union all
       select p.id, p.handle from player_tokens t join players p on p.id = t.player_id where t.token_hash = $1
       limit 1`, [hash]);
    if (player) this.remember(player, hash);
    // A token nobody has stays nobody's: tokens are random and never reassigned.
    else this.byToken.set(cacheKey, NOBODY);
    return player;
  }

  /** The handle of a player id, or undefined when there is no such player. */
  async handleOf(playerId: string): Promise<string | undefined> {
    const held = this.known.get(playerId);
    if (held !== undefined) return held;
    const cached = this.handles.get(playerId);
    if (cached !== undefined) return cached === NOBODY ? undefined : cached;
    this.budget.spend();
    const row = await maybeOne<{ handle: string }>(this.pool, 'select handle from players where id = $1', [playerId]);
    // An id unknown now may be registered later only by chance (ids are random UUIDs); remembered
    // as nobody, it is forgotten with the oldest entries.
    this.handles.set(playerId, row ? row.handle : NOBODY);
    return row?.handle;
  }

  /** A player this process has seen (registered or claimed here, or found by token), with their token's hash. */
  remember(player: Player, tokenHash?: Buffer): void {
    this.known.set(player.id, player.handle);
    if (tokenHash) this.players.set(tokenHash.toString('base64'), player);
  }

  /** Whether this process knows the id names a player, without asking the database. */
  knows(playerId: string): boolean {
    if (this.known.has(playerId)) return true;
    const cached = this.handles.get(playerId);
    return cached !== undefined && cached !== NOBODY;
  }
}
