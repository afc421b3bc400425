// The periodic full rebuild, fired once per interval however many workers run.
// node-cron ticks every second in every worker, and each tick only *offers* a job: pg-boss files a
// job sent with singletonSeconds under the slot floor(db now / interval), and a unique index keeps
// one job per slot. The slot is computed from the database clock, so skewed worker clocks cannot
// produce two jobs for one interval, and a tick every second means no interval is missed while
// any worker is alive.
import { schedule, type ScheduledTask } from 'node-cron';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../core/logger.ts';
import { FULL_REBUILD_KEY, FULL_REBUILD_QUEUE, type FullRebuildJob } from '../core/queues.ts';

export function scheduleFullRebuild(boss: PgBoss, intervalSeconds: number, log: Logger): ScheduledTask {
  return schedule('* * * * * *', async () => {
    try {
      await boss.send(FULL_REBUILD_QUEUE, { reason: 'schedule' } satisfies FullRebuildJob, {
        singletonKey: FULL_REBUILD_KEY,
        singletonSeconds: intervalSeconds,
      });
    } catch (err) {
      log.warn('could not offer the scheduled full rebuild', { err });
    }
  }, { name: 'full-rebuild-trigger', noOverlap: true });
}
