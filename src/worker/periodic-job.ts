// A job run once per interval however many workers run (the full rebuild, the stats refresh).
// node-cron ticks every second in every worker, and each tick only *offers* a job: pg-boss files a
// job sent with singletonSeconds under the slot floor(db now / interval), and a unique index keeps
// one job per slot. The slot is computed from the database clock, so skewed worker clocks cannot
// produce two jobs for one interval, and a tick every second means no interval is missed while
// any worker is alive. (pg-boss's own cron has minute resolution.)
import { schedule, type ScheduledTask } from 'node-cron';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../core/logger.ts';

export interface PeriodicJob { queue: string; singletonKey: string; data: object; intervalSeconds: number; what: string }

export function schedulePeriodicJob(boss: PgBoss, job: PeriodicJob, log: Logger): ScheduledTask {
  return schedule('* * * * * *', async () => {
    try {
      await boss.send(job.queue, job.data, { singletonKey: job.singletonKey, singletonSeconds: job.intervalSeconds });
    } catch (err) {
      log.warn(`could not offer the scheduled ${job.what}`, { err });
    }
  }, { name: `${job.queue}-trigger`, noOverlap: true });
}
