// LISTEN/NOTIFY channels between writers, the worker and the API processes.

/**
 * A writer committed a change to a hunt (payload: ChangeNotice as JSON). The worker enqueues the
 * hunt's refresh; API processes show a player's new find in their progress at once.
 */
export const DIRTY_CHANNEL = 'the_hunt_dirty';

export interface ChangeNotice {
  huntId: string;
  /**
   * Set when a competitor found a clue: enough for any API process to show it at once in their
   * progress (a player) or their team's own view (`teamId`: the finder's team in a team hunt).
   */
  find?: { hunt: string; playerId: string; handle: string; clueId: string; foundAt: number; points: number; teamId?: string };
  /** Set when a player joined (teamId) or left (null) a team: their own view follows at once. */
  member?: { hunt: string; playerId: string; teamId: string | null; teamName: string | null };
  /** Set when a competitor paid for a hint: any API process shows it at once in their own view. */
  hint?: { hunt: string; competitorId: string; clueId: string; n: number; cost: number };
}

/** The worker published documents (payload: PublishNotice as JSON). API processes reload. */
export const SNAPSHOT_CHANNEL = 'the_snapshots';

export interface PublishNotice {
  /** snapshot_publish_seq of the publish; readers fetch every row above what they have. */
  seq: number;
  /** Slugs of the hunts republished (empty: the hunts index alone). */
  hunts: string[];
  /** Documents written (changed or withdrawn) by this publish. */
  changed: number;
  /** How long the refresh that produced this publish took, in milliseconds. */
  refreshMs: number;
  /** When the accepted answers this publish is the first to include were committed. */
  answers: AnswerTimes;
}

/** [epoch ms, how many answers] pairs: one per distinct time, coarsened when there are many. */
export type AnswerTimes = [number, number][];

// NOTIFY payloads stop at 8000 bytes: past this many distinct times, times are rounded up to a
// coarser step (10 ms, 100 ms, ...), which can only make a measured staleness smaller than the truth
// by less than that step.
const MAX_ANSWER_TIMES = 200;

export function summarizeAnswerTimes(epochMs: number[]): AnswerTimes {
  for (let step = 1; ; step *= 10) {
    const counts = new Map<number, number>();
    for (const t of epochMs) {
      const at = Math.ceil(t / step) * step;
      counts.set(at, (counts.get(at) ?? 0) + 1);
    }
    if (counts.size <= MAX_ANSWER_TIMES) return [...counts].sort((a, b) => a[0] - b[0]);
  }
}
