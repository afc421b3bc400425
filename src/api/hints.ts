// Hints: a clue's hints are sold for points, in order, to the competitor (the player in a solo
// hunt, their team in a team hunt), once. One statement does it all
// (sql/functions/take_hint.sql); this file turns its refusals into HTTP errors and, after the
// commit, announces the hunt so the worker republishes the competitor at once (its sweep finds the
// change rows anyway). A hint's text is a secret until taken: it is never logged.
import type { Pool } from '../core/db.ts';
import type { ChangeNotice } from '../core/channels.ts';
import { announceChanges } from '../core/dirty.ts';
import { ApiError, notFound } from './api-error.ts';

/** The most hints a clue has (clue_hints.n, request-schemas.ts). */
export const MAX_HINTS = 10;

// A hint waits on a lock only for a teammate taking the same hint at once (or an admin holding the
// hunt): this long at most, then 503 with nothing written.
const LOCK_TIMEOUT_MS = 2000;

export interface HintInput { slug: string; clueId: string; n: number; playerId: string; handle: string }

export interface TakenHint { n: number; text: string; cost: number; points: number }

/** A hint paid for, as announced to every API process (read-your-writes of the own view). */
export type HintNotice = NonNullable<ChangeNotice['hint']>;

type Refusal = 'hunt' | 'clue' | 'hint' | 'not_live' | 'team_required' | 'clue_locked' | 'already_found' | 'hint_locked';

interface Row {
  refused: Refusal | null;
  hunt_id: string | null;
  competitor_id: string | null;
  hint_n: number | null;
  hint_text: string | null;
  hint_cost: number | null;
  points: number | null;
  changed: boolean;
}

function refusal(refused: Refusal): ApiError {
  switch (refused) {
    case 'hunt': return notFound('hunt');
    case 'clue': return notFound('clue');
    case 'hint': return notFound('hint');
    case 'not_live': return new ApiError(409, 'hunt_not_live', 'the hunt is not live now: hints are sold only while it is');
    case 'team_required': return new ApiError(409, 'team_required', 'this is a team hunt: create or join a team first');
    case 'clue_locked': return new ApiError(409, 'clue_locked', 'this clue is locked: its unlock conditions do not hold yet');
    case 'already_found': return new ApiError(409, 'already_found', 'this clue is already found: its hints are no longer sold');
    case 'hint_locked': return new ApiError(409, 'hint_locked', 'take the earlier hints of this clue first');
  }
}

/** Takes (or returns again) hint n of a clue; refusals throw ApiErrors. */
export async function takeHint(pool: Pool, input: HintInput): Promise<TakenHint & { notice?: HintNotice }> {
  // n past any clue's hints names no hint (and may not fit an integer).
  if (input.n > MAX_HINTS) throw notFound('hint');
  const { rows: [row] } = await pool.query<Row>({
    // Named: prepared once per connection, planned once.
    name: 'take-hint',
    text: 'select * from take_hint($1, $2, $3, $4, $5, $6)',
    values: [input.slug, input.clueId, input.n, input.playerId, input.handle, LOCK_TIMEOUT_MS],
  });
  if (!row) throw new Error('take_hint returned no row');
  if (row.refused) throw refusal(row.refused);
  const taken = { n: row.hint_n!, text: row.hint_text!, cost: row.hint_cost!, points: row.points! };
  if (!row.changed) return taken;
  const notice: HintNotice = { hunt: input.slug, competitorId: row.competitor_id!, clueId: input.clueId, n: taken.n, cost: taken.cost };
  await announceChanges(pool, [{ huntId: row.hunt_id!, hint: notice }]).catch(() => undefined);
  return { ...taken, notice };
}
