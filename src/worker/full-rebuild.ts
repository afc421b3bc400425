// Full rebuild, the safety net (schedule, admin request, recovery): every hunt goes through the
// same per-hunt refresh the dirty path uses, one hunt at a time, each published atomically.
// Measured against refreshing materialized views once and publishing every hunt from them, this
// was faster at 2 million finds (docs/BENCHMARKS.md), and a per-hunt refresh is consistent on its
// own, so there is no older snapshot that could overwrite a newer publish.
import type { Pool } from '../core/db.ts';
import { many } from '../core/db.ts';
import type { PublishedStateCache } from './published-state-cache.ts';
import { refreshHunt } from './refresh-hunt.ts';

export interface FullRebuildOutcome {
  hunts: number;
  documentsChanged: number;
  durationMs: number;
}

export async function fullRebuild(pool: Pool, cache?: PublishedStateCache): Promise<FullRebuildOutcome> {
  const started = performance.now();
  const hunts = await many<{ id: string }>(pool, 'select id from hunts order by created_at, id');
  let documentsChanged = 0;
  for (const { id } of hunts) documentsChanged += (await refreshHunt(pool, id, { full: true, cache })).documentsChanged;
  return { hunts: hunts.length, documentsChanged, durationMs: performance.now() - started };
}
