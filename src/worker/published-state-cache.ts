// What this worker last published for a hunt (its detail and ranked standings), so the next
// incremental refresh of that hunt need not read and parse its leaderboard pages again. Entries
// are trusted only while the stored versions are the ones they were published as: another worker
// publishing the hunt in between bumps them, and the refresh reads the pages instead.
import type { PublishedState } from './incremental-update.ts';

export interface CachedState { detailVersion: number; headVersion: number; state: PublishedState }

export class PublishedStateCache {
  private readonly entries = new Map<string, CachedState>();
  private readonly maxHunts: number;

  constructor(maxHunts = 256) { this.maxHunts = maxHunts; }

  get(huntId: string, versions: { detail: number; head: number }): PublishedState | undefined {
    const cached = this.entries.get(huntId);
    return cached && cached.detailVersion === versions.detail && cached.headVersion === versions.head ? cached.state : undefined;
  }

  /** What was last published, whatever is stored now (the caller checks the versions). */
  peek(huntId: string): CachedState | undefined {
    return this.entries.get(huntId);
  }

  set(huntId: string, entry: CachedState): void {
    this.entries.delete(huntId); // re-inserted last: the Map's order is the eviction order
    this.entries.set(huntId, entry);
    if (this.entries.size > this.maxHunts) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(huntId: string): void { this.entries.delete(huntId); }
}
