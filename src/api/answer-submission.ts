// Recording an answer: the attempt, the player's participation, and on the first correct answer
// a find and its score event, all in one transaction with the change row the worker's incremental
// refresh publishes.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { Pool } from '../core/db.ts';
import { maybeOne, withTransaction, type Queryable } from '../core/db.ts';
import type { ChangeNotice } from '../core/channels.ts';
import { recordPlayerChange } from '../core/dirty.ts';
import type { HuntStatus } from '../core/documents.ts';
import { ApiError, notFound } from './api-error.ts';
import { countInMinute, rateLimited } from './rate-window.ts';

export interface AnswerResult { correct: boolean; alreadyFound: boolean; points: number }

/** The response, and what to announce once it is committed (nothing when nothing changed). */
export interface AnswerOutcome { result: AnswerResult; change?: ChangeNotice }

export interface GuessLimits {
  freeWrongPerClue: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  maxPerMinute: number;
}


interface Target { hunt_id: string; status: HuntStatus; clue_id: string | null; points: number | null }

export async function submitAnswer(
  pool: Pool, hasher: AnswerHasher, limits: GuessLimits,
  args: { slug: string; clueId: string; playerId: string; handle: string; answer: string },
): Promise<AnswerOutcome> {
  const normalized = normalizeAnswer(args.answer);
  if (normalized === '') throw new ApiError(400, 'invalid_body', 'answer: nothing is left after normalization');

  const target = await maybeOne<Target>(pool,
    `select h.id as hunt_id, h.status, c.id as clue_id, c.points
       from hunts h left join clues c on c.hunt_id = h.id and c.id = $2
      where h.slug = $1`, [args.slug, args.clueId]);
  if (!target || target.status === 'draft') throw notFound('hunt');
  if (!target.clue_id || target.points === null) throw notFound('clue');

  const guess = hasher.hash(normalized);
  const huntId = target.hunt_id;
  const clueId = target.clue_id;
  const points = target.points;
  return withTransaction(pool, async (tx) => {
    // Checked inside the transaction, holding a key-share lock on the hunt: an admin ending the
    // hunt (patchHunt locks the row FOR UPDATE) waits for this answer or is seen by it.
    const { rows: [hunt] } = await tx.query<{ status: HuntStatus; starts_at: Date | null; ends_at: Date | null; now: Date }>(
      'select status, starts_at, ends_at, clock_timestamp() as now from hunts where id = $1 for key share', [huntId]);
    const now = hunt!.now.getTime();
    if (hunt!.status !== 'live' || (hunt!.starts_at && now < hunt!.starts_at.getTime())
        || (hunt!.ends_at && now >= hunt!.ends_at.getTime())) {
      throw new ApiError(409, 'hunt_not_live', 'the hunt is not accepting answers now');
    }
    const { rows: [check] } = await tx.query<{ correct: boolean; found: boolean; repeat: boolean | null }>(
      `select exists(select 1 from clue_answers
                      where clue_id = $1 and key_id = $2 and norm_version = $3 and answer_hash = $4) as correct,
              exists(select 1 from finds where player_id = $5 and clue_id = $1) as found,
              (select true from submissions where player_id = $5 and clue_id = $1 and guess_hash = $4) as repeat`,
      [clueId, hasher.keyId, NORMALIZATION_VERSION, guess, args.playerId]);
    const correct = check!.correct;
    // A guess made before costs nothing and changes nothing: the same answer as the first time.
    if (check!.repeat) return { result: { correct, alreadyFound: check!.found, points: 0 } };
    await enforceGuessLimits(tx, limits, args.playerId, clueId);
    // A first answer makes the player a participant, which the hunt's playerCount shows.
    const joined = (await tx.query(
      `insert into hunt_participants (hunt_id, player_id) values ($1, $2) on conflict do nothing`,
      [huntId, args.playerId])).rowCount === 1;
    await tx.query(
      `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (player_id, clue_id, guess_hash) do nothing`,
      [huntId, clueId, args.playerId, hasher.keyId, guess, correct]);
    const joinedOnly = async (alreadyFound: boolean): Promise<AnswerOutcome> => {
      if (!joined) return { result: { correct, alreadyFound, points: 0 } };
      await recordPlayerChange(tx, huntId, args.playerId, null);
      return { result: { correct, alreadyFound, points: 0 }, change: { huntId } };
    };
    if (!correct) {
      await recordWrongGuess(tx, limits, args.playerId, clueId);
      return joinedOnly(check!.found);
    }

    // The primary key of finds settles concurrent duplicates: the loser inserts nothing.
    const { rows: inserted } = await tx.query<{ found_at: Date }>(
      `insert into finds (player_id, clue_id, hunt_id, points, found_at)
       values ($1, $2, $3, $4, clock_timestamp())
       on conflict (player_id, clue_id) do nothing
       returning found_at`,
      [args.playerId, clueId, huntId, points]);
    if (inserted.length === 0) return joinedOnly(true);
    const foundAt = inserted[0]!.found_at;
    await tx.query(
      `insert into score_events (hunt_id, player_id, points, reason, clue_id, occurred_at)
       values ($1, $2, $3, 'find', $4, $5)`,
      [huntId, args.playerId, points, clueId, foundAt]);
    await recordPlayerChange(tx, huntId, args.playerId, clueId);
    return {
      result: { correct, alreadyFound: false, points },
      change: { huntId, find: { hunt: args.slug, playerId: args.playerId, handle: args.handle, clueId, foundAt: foundAt.getTime(), points } },
    };
  });
}

/**
 * Refuses a new guess (429 with Retry-After) when the player is over the per-minute cap across all
 * clues, or inside the back-off of this clue. State lives in the database, so the limits hold
 * across every API process; the caller's transaction rolls back with the refusal.
 */
async function enforceGuessLimits(tx: Queryable, limits: GuessLimits, playerId: string, clueId: string): Promise<void> {
  await countInMinute(tx, 'guess', playerId, limits.maxPerMinute, `at most ${limits.maxPerMinute} new guesses per minute`);
  const { rows: [clue] } = await tx.query<{ wait: number | null }>(
    `select extract(epoch from blocked_until - clock_timestamp())::float8 as wait
       from guess_limits where player_id = $1 and clue_id = $2 for update`, [playerId, clueId]);
  if (clue?.wait !== null && clue?.wait !== undefined && clue.wait > 0) {
    throw rateLimited(clue.wait, 'too many wrong guesses for this clue; wait before guessing again');
  }
}

/** Counts a wrong guess; past the free ones, each starts a back-off twice as long as the last. */
async function recordWrongGuess(tx: Queryable, limits: GuessLimits, playerId: string, clueId: string): Promise<void> {
  await tx.query(
    `insert into guess_limits as g (player_id, clue_id, wrong_guesses, blocked_until)
     values ($1, $2, 1, case when 1 > $3::int then clock_timestamp() + least($5::float8, $4::float8) * interval '1 second' end)
     on conflict (player_id, clue_id) do update set
       wrong_guesses = g.wrong_guesses + 1,
       blocked_until = case when g.wrong_guesses + 1 > $3::int
         then clock_timestamp() + least($5::float8, $4::float8 * power(2, g.wrong_guesses - $3::int)) * interval '1 second' end`,
    [playerId, clueId, limits.freeWrongPerClue, limits.backoffBaseSeconds, limits.backoffMaxSeconds]);
}
