// Recording answers, in batches. Answers that arrive while earlier ones are being written wait and
// then go together: one statement (sql/functions/submit_answers.sql), one commit, one NOTIFY
// statement for the whole batch. An answer that finds the writer idle goes at once, alone, so
// batching adds no wait; under load it shares the cost of a commit among many (group commit).
// This file hashes the guesses, forms the batches and turns the function's refusals into HTTP errors.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { ChangeNotice } from '../core/channels.ts';
import { isConnectionError, type Pool } from '../core/db.ts';
import { announceChanges } from '../core/dirty.ts';
import type { Logger } from '../core/logger.ts';
import { ApiError, notFound } from './api-error.ts';
import { rateLimited } from './rate-window.ts';

export interface AnswerResult { correct: boolean; alreadyFound: boolean; points: number }

/** The response, and what was announced to the other processes (nothing when nothing changed). */
export interface SubmittedAnswer { result: AnswerResult; change?: ChangeNotice }

export interface GuessLimits {
  freeWrongPerClue: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  maxPerMinute: number;
}

export interface AnswerInput { slug: string; clueId: string; playerId: string; handle: string; answer: string }

export interface BatchOptions {
  /** Answers per statement at most. */
  maxBatch: number;
  /** Batches being written at once (each holds a pool connection while it runs). */
  maxInFlight: number;
}

// Two: one batch runs while the other waits for its commit's WAL flush. Four made batches smaller
// (3.6 answers against 6.0 at 2,000 answers/s in bench:write) and each answer's share of
// PostgreSQL's CPU larger, with the same latency.
export const DEFAULT_BATCHES: BatchOptions = { maxBatch: 64, maxInFlight: 2 };

type Refusal = 'hunt' | 'clue' | 'not_live' | 'per_minute' | 'backoff';

interface Row {
  ord: number;
  hunt_id: string | null;
  refused: Refusal | null;
  wait_seconds: number | null;
  correct: boolean;
  already_found: boolean;
  points: number;
  found_at: Date | null;
  joined: boolean;
}

interface Pending {
  input: AnswerInput;
  guess: Buffer;
  resolve(answer: SubmittedAnswer): void;
  reject(err: unknown): void;
}

export class AnswerWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;

  private readonly pool: Pool;
  private readonly hasher: AnswerHasher;
  private readonly limits: GuessLimits;
  private readonly log: Logger;
  private readonly onBatch: (size: number) => void;
  private readonly batches: BatchOptions;

  constructor(opts: {
    pool: Pool; hasher: AnswerHasher; limits: GuessLimits; log: Logger;
    /** Told the size of every batch written. */
    onBatch?: (size: number) => void;
    batches?: BatchOptions;
  }) {
    this.pool = opts.pool;
    this.hasher = opts.hasher;
    this.limits = opts.limits;
    this.log = opts.log;
    this.onBatch = opts.onBatch ?? (() => undefined);
    this.batches = opts.batches ?? DEFAULT_BATCHES;
  }

  /** Resolves once the answer is committed and announced; refusals reject with an ApiError. */
  submit(input: AnswerInput): Promise<SubmittedAnswer> {
    const normalized = normalizeAnswer(input.answer);
    if (normalized === '') return Promise.reject(new ApiError(400, 'invalid_body', 'answer: nothing is left after normalization'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, guess: this.hasher.hash(normalized), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.batches.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batches.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    // By player (stable: a player's answers keep their order): every batch takes players' row
    // locks in the same order, so concurrent batches wait for each other but never deadlock.
    batch.sort((a, b) => (a.input.playerId < b.input.playerId ? -1 : a.input.playerId > b.input.playerId ? 1 : 0));
    let rows: Row[];
    try {
      rows = await this.record(batch);
    } catch (err) {
      if (batch.length > 1 && !isConnectionError(err)) {
        // The statement rolled back as a whole: each answer again on its own, so that only the
        // one at fault (a player deleted meanwhile, say) fails.
        for (const pending of batch) await this.write([pending]);
        return;
      }
      for (const pending of batch) pending.reject(err);
      return;
    }
    // Committed: from here on nothing is written again; whatever happens, every answer is settled.
    if (rows.length !== batch.length) {
      const err = new Error(`submit_answers returned ${rows.length} rows for ${batch.length} answers`);
      for (const pending of batch) pending.reject(err);
      return;
    }
    this.onBatch(batch.length);
    const answers = batch.map((pending, i) => this.settle(pending.input, rows[i]!));
    const changes = answers.flatMap((a) => (a instanceof ApiError || !a.change ? [] : [a.change]));
    if (changes.length > 0) {
      await announceChanges(this.pool, changes).catch((err: unknown) => {
        // Committed is committed: the worker's sweep still finds the change rows.
        this.log.warn('could not announce changes; the sweep will pick them up', { err });
      });
    }
    batch.forEach((pending, i) => {
      const answer = answers[i]!;
      if (answer instanceof ApiError) pending.reject(answer);
      else pending.resolve(answer);
    });
  }

  private async record(batch: Pending[]): Promise<Row[]> {
    const { rows } = await this.pool.query<Row>({
      // Named: prepared once per connection, planned once.
      name: 'submit-answers',
      text: 'select * from submit_answers($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      values: [
        batch.map((p) => p.input.slug), batch.map((p) => p.input.clueId), batch.map((p) => p.input.playerId),
        batch.map((p) => p.guess), this.hasher.keyId, NORMALIZATION_VERSION,
        this.limits.freeWrongPerClue, this.limits.backoffBaseSeconds, this.limits.backoffMaxSeconds, this.limits.maxPerMinute,
      ],
    });
    return rows.sort((a, b) => a.ord - b.ord);
  }

  private settle(input: AnswerInput, row: Row): SubmittedAnswer | ApiError {
    switch (row.refused) {
      case 'hunt': return notFound('hunt');
      case 'clue': return notFound('clue');
      case 'not_live': return new ApiError(409, 'hunt_not_live', 'the hunt is not accepting answers now');
      case 'per_minute': return rateLimited(row.wait_seconds ?? 60, `at most ${this.limits.maxPerMinute} new guesses per minute`);
      case 'backoff': return rateLimited(row.wait_seconds ?? 1, 'too many wrong guesses for this clue; wait before guessing again');
      case null: break;
    }
    const result: AnswerResult = { correct: row.correct, alreadyFound: row.already_found, points: row.points };
    const huntId = row.hunt_id!;
    if (row.found_at) {
      return {
        result,
        change: {
          huntId,
          find: { hunt: input.slug, playerId: input.playerId, handle: input.handle, clueId: input.clueId, foundAt: row.found_at.getTime(), points: row.points },
        },
      };
    }
    return row.joined ? { result, change: { huntId } } : { result };
  }
}
