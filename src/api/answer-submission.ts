// Recording an answer: everything happens in sql/functions/submit_answer.sql, in one round trip
// (one statement, its own transaction); this file finds the hunt and clue, hashes the guess, and
// turns the function's refusals into HTTP errors.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { ChangeNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
import { maybeOne } from '../core/db.ts';
import type { HuntStatus } from '../core/documents.ts';
import { ApiError, notFound } from './api-error.ts';
import { rateLimited } from './rate-window.ts';

export interface AnswerResult { correct: boolean; alreadyFound: boolean; points: number }

/** The response, and what to announce once it is committed (nothing when nothing changed). */
export interface SubmittedAnswer { result: AnswerResult; change?: ChangeNotice }

export interface GuessLimits {
  freeWrongPerClue: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  maxPerMinute: number;
}

interface Target { hunt_id: string; status: HuntStatus; clue_id: string | null; points: number | null }

interface Submitted { correct: boolean; already_found: boolean; points: number; found_at: Date | null; joined: boolean }

export async function submitAnswer(
  pool: Pool, hasher: AnswerHasher, limits: GuessLimits,
  args: { slug: string; clueId: string; playerId: string; handle: string; answer: string },
): Promise<SubmittedAnswer> {
  const normalized = normalizeAnswer(args.answer);
  if (normalized === '') throw new ApiError(400, 'invalid_body', 'answer: nothing is left after normalization');

  const target = await maybeOne<Target>(pool,
    `select h.id as hunt_id, h.status, c.id as clue_id, c.points
       from hunts h left join clues c on c.hunt_id = h.id and c.id = $2
      where h.slug = $1`, [args.slug, args.clueId]);
  if (!target || target.status === 'draft') throw notFound('hunt');
  if (!target.clue_id || target.points === null) throw notFound('clue');

  let row: Submitted;
  try {
    row = (await pool.query<Submitted>(
      'select * from submit_answer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [target.hunt_id, target.clue_id, args.playerId, target.points, hasher.keyId, NORMALIZATION_VERSION,
        hasher.hash(normalized), limits.freeWrongPerClue, limits.backoffBaseSeconds, limits.backoffMaxSeconds, limits.maxPerMinute],
    )).rows[0]!;
  } catch (err) {
    const { code, message, detail } = err as { code?: string; message: string; detail?: string };
    if (code === 'TH409') throw new ApiError(409, 'hunt_not_live', message);
    if (code === 'TH429') throw rateLimited(Number(detail), message);
    throw err;
  }
  const result: AnswerResult = { correct: row.correct, alreadyFound: row.already_found, points: row.points };
  if (row.found_at) {
    return {
      result,
      change: {
        huntId: target.hunt_id,
        find: { hunt: args.slug, playerId: args.playerId, handle: args.handle, clueId: target.clue_id, foundAt: row.found_at.getTime(), points: row.points },
      },
    };
  }
  return row.joined ? { result, change: { huntId: target.hunt_id } } : { result };
}
