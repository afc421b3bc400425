// The database lookups an API process spends on requests it cannot vouch for from memory: a
// bearer token it has never seen, a player id that is on no leaderboard it holds. Made-up tokens
// and random ids are free to send, so without a bound a flood of them is a flood of statements
// (and, for progress, of cache evictions). A token bucket per process: past it, such requests get
// 503 with Retry-After; anything held in memory is served as before.
import { ApiError } from './api-error.ts';

export class LookupBudget {
  private tokens: number;
  private refilledAt = performance.now();
  private readonly perSecond: number;
  private readonly burst: number;

  constructor(perSecond: number, burst = perSecond * 2) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Takes one lookup, or throws 503 when the budget is spent. */
  spend(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) {
      throw new ApiError(503, 'unavailable', 'too many requests this server cannot check from memory; try again shortly', {
        'retry-after': String(Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond))),
      });
    }
    this.tokens -= 1;
  }
}

/** A Map that forgets its oldest entries past a size: enough LRU for facts that do not change. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  private readonly max: number;
  constructor(max: number) { this.max = max; }
  get(key: K): V | undefined { return this.map.get(key); }
  has(key: K): boolean { return this.map.has(key); }
  delete(key: K): void { this.map.delete(key); }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}
