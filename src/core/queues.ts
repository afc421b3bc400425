// pg-boss queues of refresh jobs, shared by the worker (works them) and the API (admin triggers).
// Jobs carry what an admin or the schedule asks for, so its state can be followed by id.
import type { PgBoss, Queue } from 'pg-boss';

export const REFRESH_HUNT_QUEUE = 'refresh-hunt';
export const FULL_REBUILD_QUEUE = 'full-rebuild';
/** The organiser analytics' materialized views and stats documents (src/worker/stats-refresh.ts). */
export const STATS_REFRESH_QUEUE = 'stats-refresh';
export const REFRESH_QUEUES = [REFRESH_HUNT_QUEUE, FULL_REBUILD_QUEUE, STATS_REFRESH_QUEUE] as const;
export type RefreshQueue = (typeof REFRESH_QUEUES)[number];

/** Singleton key of the full rebuild: admin triggers and the schedule coalesce on it. */
export const FULL_REBUILD_KEY = 'all';

/** An admin's refresh of one hunt (changes are refreshed without jobs: src/worker/refresh-scheduler.ts). */
export interface RefreshHuntJob { huntId: string; reason: 'admin' }
export interface FullRebuildJob { reason: 'admin' | 'schedule' }
/** Singleton key of the stats refresh: admin triggers and the schedule coalesce on it. */
export const STATS_REFRESH_KEY = 'stats';
export interface StatsRefreshJob { reason: 'admin' | 'schedule' }

/**
 * "stately" allows one queued and one active job per singleton key (the hunt id): a trigger that
 * arrives while a refresh runs waits as the one queued job, and every further trigger coalesces
 * into it. So never two refreshes of a hunt at once, and never a trigger lost while one runs.
 */
export function queueOptions(expireInSeconds: number, heartbeatSeconds: number): Omit<Queue, 'name'> {
  return {
    policy: 'stately',
    // A worker that dies mid-refresh stops heartbeating; pg-boss's monitor then fails the job and
    // it is retried elsewhere, without waiting for expireInSeconds.
    heartbeatSeconds,
    retryLimit: 5,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 10,
    expireInSeconds,
    deleteAfterSeconds: 24 * 3600,
  };
}

export async function ensureQueues(boss: PgBoss, expireInSeconds: number, heartbeatSeconds: number): Promise<void> {
  for (const name of REFRESH_QUEUES) {
    const existing = await boss.getQueue(name);
    if (!existing) {
      try {
        await boss.createQueue(name, { ...queueOptions(expireInSeconds, heartbeatSeconds), notify: true });
      } catch (err) {
        // Another process created it between our check and our create.
        if (!(await boss.getQueue(name))) throw err;
      }
    }
  }
}
