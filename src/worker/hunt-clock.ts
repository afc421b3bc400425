// The engine keeps hunts' times by itself: at a live hunt's startsAt its clues are published, at
// its endsAt it ends (the admin's live -> ended, done by whichever worker gets there first: the
// update is conditional), at freezeAt its public documents freeze, and when a clue whose only
// condition is time comes due the public hunt shows it. Each such moment marks the hunt dirty, and
// the refresh that follows publishes it.
//
// A pass runs every interval and acts on every moment that passed since the last one (so a worker
// that was down catches up), then arms a timer for the next moment if it comes before the next
// pass: moments are met within milliseconds, not within an interval (pg-boss schedules have
// minute resolution; node-cron's ticks would still be up to a second late).
import type { Pool } from '../core/db.ts';
import { withTransaction } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';

/** Moments of live hunts, as of the statement's now(): starts, ends, freezes and time-only clue openings. */
const MOMENTS = `
  select h.id as hunt_id, m.at
    from hunts h cross join lateral (values (h.starts_at), (h.ends_at), (h.freeze_at)) as m (at)
   where h.status = 'live' and m.at is not null
  union all
  select c.hunt_id, coalesce(h.starts_at, h.first_live_at) + c.unlock_after_minutes * interval '1 minute'
    from clues c join hunts h on h.id = c.hunt_id
   where h.status = 'live' and c.unlock_after_minutes is not null
     and c.unlock_after_clues is null and c.unlock_after_finds is null
     and coalesce(h.starts_at, h.first_live_at) is not null`;

export class HuntClock {
  private readonly pool: Pool;
  private readonly request: (huntId: string) => void;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private interval: NodeJS.Timeout | undefined;
  private next: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The database's clock at the end of the last pass (at start: an hour back, to catch up). */
  private since: Date | undefined;

  constructor(opts: { pool: Pool; request: (huntId: string) => void; intervalMs: number; log: Logger }) {
    this.pool = opts.pool;
    this.request = opts.request;
    this.intervalMs = opts.intervalMs;
    this.log = opts.log;
  }

  async start(): Promise<void> {
    this.interval = setInterval(() => this.tick(), this.intervalMs);
    this.tick();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.next);
    while (this.running) await this.running;
  }

  /** One pass at a time; a tick during a pass runs one more after it. */
  private tick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.log.warn('hunt clock pass failed; the next one catches up', { err }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.tick();
        }
      });
  }

  private async pass(): Promise<void> {
    const row = await withTransaction(this.pool, async (tx) => {
      const { rows: [result] } = await tx.query<{ due: string[] | null; next_at: Date | null; now: Date }>(
        `with moments as (${MOMENTS}),
         -- Ends first: an answer judged after this commits is refused (submit_answers checks endsAt too).
         ended as (
           update hunts set status = 'ended' where status = 'live' and ends_at <= now() returning id
         ),
         due as (
           select hunt_id from moments where at > coalesce($1, now() - interval '1 hour') and at <= now()
           union select id from ended
         ),
         marked as (
           insert into dirty_hunts (hunt_id) select hunt_id from due
           on conflict (hunt_id) do update set generation = nextval('dirty_generation_seq')
           returning hunt_id
         )
         select (select array_agg(hunt_id) from marked) as due,
                (select min(at) from moments where at > now()) as next_at,
                now()`,
        [this.since ?? null]);
      return result!;
    }, { lockTimeoutMs: 2000 });
    // now(): the statement's start, the end of this look and the start of the next.
    this.since = row.now;
    if (this.stopped) return;
    for (const huntId of row.due ?? []) this.request(huntId);
    clearTimeout(this.next);
    if (row.next_at) {
      // Armed on the database's clock (the moment is compared with its now()), a little after.
      const wait = row.next_at.getTime() - row.now.getTime() + 2;
      if (wait < this.intervalMs * 2) this.next = setTimeout(() => this.tick(), Math.max(0, wait));
    }
  }
}
