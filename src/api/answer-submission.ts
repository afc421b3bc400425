// Recording an answer: everything happens in sql/functions/submit_answer.sql, in one round trip
// (one statement, its own transaction); this file hashes the guess and turns the function's
// refusals into HTTP errors.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { ChangeNotice } from '../core/channels.ts';
import type { Pool } from '../core/db.ts';
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

interface Submitted { hunt_id: string; correct: boolean; already_found: boolean; points: number; found_at: Date | null; joined: boolean }

export async function submitAnswer(
  pool: Pool, hasher: AnswerHasher, limits: GuessLimits,
  args: { slug: string; clueId: string; playerId: string; handle: string; answer: string },
): Promise<SubmittedAnswer> {
  const normalized = normalizeAnswer(args.answer);
  if (normalized === '') throw new ApiError(400, 'invalid_body', 'answer: nothing is left after normalization');

  let row: Submitted;
  try {
    // Named: prepared once per connection, planned once.
    row = (await pool.query<Submitted>({
      name: 'submit-answer',
      text: 'select * from submit_answer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      values: [args.slug, args.clueId, args.playerId, hasher.keyId, NORMALIZATION_VERSION, hasher.hash(normalized),
        limits.freeWrongPerClue, limits.backoffBaseSeconds, limits.backoffMaxSeconds, limits.maxPerMinute],
    })).rows[0]!;
  } catch (err) {
    const { code, message, detail } = err as { code?: string; message: string; detail?: string };
    if (code === 'TH404') throw notFound(detail === 'clue' ? 'clue' : 'hunt');
    if (code === 'TH409') throw new ApiError(409, 'hunt_not_live', message);
    if (code === 'TH429') throw rateLimited(Number(detail), message);
    throw err;
  }
  const result: AnswerResult = { correct: row.correct, alreadyFound: row.already_found, points: row.points };
  if (row.found_at) {
    return {
      result,
      change: {
        huntId: row.hunt_id,
        find: { hunt: args.slug, playerId: args.playerId, handle: args.handle, clueId: args.clueId.toLowerCase(), foundAt: row.found_at.getTime(), points: row.points },
      },
    };
  }
  return row.joined ? { result, change: { huntId: row.hunt_id } } : { result };
}
