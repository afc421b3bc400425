// rate_windows holds one row per (scope, key) ever counted: every player who ever guessed, every
// address that ever registered. A row whose minute is over counts for nothing (count_in_minute
// starts a new window over it), so the worker deletes those, and the table stays as small as the
// last minute's traffic. Deleting one changes no limit: the next event inserts the same fresh row.
import type { Pool } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { pruneTransferCodes } from '../core/transfer-codes.ts';

/** Rows per statement: each delete stays short, and holds few locks against the answers' upserts. */
const BATCH = 5000;

/** Deletes the rows of windows that ended more than a minute ago; returns how many. */
export async function pruneRateWindows(pool: Pool, batch = BATCH): Promise<number> {
  let deleted = 0;
  for (;;) {
    // SKIP LOCKED: a row an answer is counting in right now is left for the next pass, never
    // waited on. The table is kept small by this very pruning, so finding the rows is a short scan.
    const { rowCount } = await pool.query(
      `delete from rate_windows w
        using (select scope, key from rate_windows
                where window_start < now() - interval '1 minute'
                limit $1 for update skip locked) old
        where w.scope = old.scope and w.key = old.key`, [batch]);
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return deleted;
  }
}

/**
 * Prunes at once, then every `intervalMs` (and, in the same pass, transfer codes expired more than
 * an hour ago: src/core/transfer-codes.ts); stop() waits for a pass that is running.
 */
export function startRateWindowPruning(pool: Pool, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const pass = () => {
    // Never two passes at once (one slowed by a struggling database).
    running ??= pruneRateWindows(pool).then(
      (n) => { if (n > 0) log.debug('pruned rate windows', { rows: n }); },
      (err: unknown) => log.warn('could not prune rate windows; trying again later', { err }),
    ).then(() => pruneTransferCodes(pool)).then(
      (n) => { if (n > 0) log.debug('pruned transfer codes', { rows: n }); },
      (err: unknown) => log.warn('could not prune transfer codes; trying again later', { err }),
    ).finally(() => { running = undefined; });
  };
  pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
