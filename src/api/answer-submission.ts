// Recording answers, in batches. Answers that arrive while earlier ones are being written wait and
// then go together: one statement (sql/functions/submit_answers.sql), one commit, one NOTIFY
// statement for the whole batch. An answer that finds the writer idle goes at once, alone, so
// batching adds no wait; under load it shares the cost of a commit among many (group commit).
// This file hashes the guesses, forms the batches and turns the function's refusals into HTTP errors.
// Every answer has a deadline (ANSWER_TIMEOUT_MS): past it, the client gets 503 and the database
// rolls the answer back (the function is given what is left of the batch's earliest deadline), so
// a database that hangs costs a bounded wait and a bounded queue, never a late write.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { ChangeNotice } from '../core/channels.ts';
import type { Pool, Client } from '../core/db.ts';
import { DatabaseUnavailableError, LockTimeoutError, StatementTimeoutError } from '../core/database-errors.ts';
import { announceChanges } from '../core/dirty.ts';
import type { Logger } from '../core/logger.ts';
import { ApiError, notFound, unavailable } from './api-error.ts';
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

export interface AnswerDeadlines {
  /** An answer not recorded within this is answered 503. */
  timeoutMs: number;
  /** Answers waiting for a batch at most; past it, 503 at once. */
  queueMax: number;
}

export const DEFAULT_DEADLINES: AnswerDeadlines = { timeoutMs: 5000, queueMax: 4096 };

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

type Refusal = 'hunt' | 'clue' | 'not_live' | 'team_required' | 'clue_locked' | 'per_minute' | 'backoff';

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
  /** Who scored: the player in a solo hunt, their team in a team hunt. */
  competitor_id: string | null;
}

interface Pending {
  input: AnswerInput;
  guess: Buffer;
  /** performance.now() past which the answer is refused with 503. */
  deadline: number;
  timer: NodeJS.Timeout;
  settled: boolean;
  resolve(answer: SubmittedAnswer): void;
  reject(err: unknown): void;
}

const timedOut = () => unavailable('the answer could not be recorded in time; it was not recorded, send it again');

/** The database's share of an answer's deadline: it gives up this much earlier than we do, so that
 *  its rollback, not a late commit, is what follows our 503. */
function databaseBudget(deadline: number, timeoutMs: number): number {
  return Math.floor(deadline - performance.now() - Math.min(100, timeoutMs / 10));
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
  private readonly deadlines: AnswerDeadlines;

  constructor(opts: {
    pool: Pool; hasher: AnswerHasher; limits: GuessLimits; log: Logger;
    /** Told the size of every batch written. */
    onBatch?: (size: number) => void;
    batches?: BatchOptions;
    deadlines?: AnswerDeadlines;
  }) {
    this.pool = opts.pool;
    this.hasher = opts.hasher;
    this.limits = opts.limits;
    this.log = opts.log;
    this.onBatch = opts.onBatch ?? (() => undefined);
    this.batches = opts.batches ?? DEFAULT_BATCHES;
    this.deadlines = opts.deadlines ?? DEFAULT_DEADLINES;
  }

  /** Answers waiting for a batch. */
  get queued(): number { return this.queue.length; }

  /**
   * Resolves once the answer is committed and announced; refusals reject with an ApiError, an
   * answer past its deadline or beyond a full queue with 503.
   */
  submit(input: AnswerInput): Promise<SubmittedAnswer> {
    const normalized = normalizeAnswer(input.answer);
    if (normalized === '') return Promise.reject(new ApiError(400, 'invalid_body', 'answer: nothing is left after normalization'));
    if (this.queue.length >= this.deadlines.queueMax) {
      return Promise.reject(unavailable('too many answers are waiting to be recorded; nothing was recorded, send it again shortly'));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        input, guess: this.hasher.hash(normalized), deadline: performance.now() + this.deadlines.timeoutMs, settled: false,
        resolve, reject,
        timer: setTimeout(() => {
          // Still queued: it leaves the queue; in a batch: the database gives up on it first.
          const at = this.queue.indexOf(pending);
          if (at !== -1) this.queue.splice(at, 1);
          settle(pending, timedOut());
        }, this.deadlines.timeoutMs),
      };
      this.queue.push(pending);
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
    let client: Client;
    try {
      client = await this.pool.connect();
    } catch (err) {
      for (const pending of batch) settle(pending, err);
      return;
    }
    let broken: Error | undefined;
    try {
      await this.writeOn(client, batch);
    } catch (err) {
      // A connection lost mid-statement is not given back to the pool.
      if (err instanceof DatabaseUnavailableError) broken = err;
      for (const pending of batch) settle(pending, err);
    } finally {
      client.release(broken);
    }
  }

  private async writeOn(client: Client, batch: Pending[]): Promise<void> {
    // Answers whose time is up before they are sent are refused here; the rest share a budget.
    const live = batch.filter((pending) => {
      if (!pending.settled && databaseBudget(pending.deadline, this.deadlines.timeoutMs) >= 1) return true;
      settle(pending, timedOut());
      return false;
    });
    if (live.length === 0) return;
    // By player (stable: a player's answers keep their order): every batch takes players' row
    // locks in the same order, so concurrent batches wait for each other but never deadlock.
    live.sort((a, b) => (a.input.playerId < b.input.playerId ? -1 : a.input.playerId > b.input.playerId ? 1 : 0));
    const budget = Math.min(...live.map((p) => databaseBudget(p.deadline, this.deadlines.timeoutMs)));
    let rows: Row[];
    try {
      rows = await this.record(client, live, budget);
    } catch (err) {
      const retryAlone = err instanceof LockTimeoutError || err instanceof StatementTimeoutError || !(err instanceof DatabaseUnavailableError);
      if (live.length > 1 && retryAlone) {
        // The statement rolled back as a whole: each answer again on its own, within its own
        // deadline, so that only the one at fault (a player deleted meanwhile, the one whose row
        // is locked, the one out of time) fails.
        for (const pending of live) await this.writeOn(client, [pending]);
        return;
      }
      for (const pending of live) settle(pending, err instanceof LockTimeoutError || err instanceof StatementTimeoutError ? timedOut() : err);
      if (err instanceof DatabaseUnavailableError) throw err;
      return;
    }
    // Committed: from here on nothing is written again; whatever happens, every answer is settled.
    if (rows.length !== live.length) {
      const err = new Error(`submit_answers returned ${rows.length} rows for ${live.length} answers`);
      for (const pending of live) settle(pending, err);
      return;
    }
    this.onBatch(live.length);
    const answers = live.map((pending, i) => this.outcomeOf(pending.input, rows[i]!));
    // Announced even for answers whose client was already told 503 (a commit under way when the
    // deadline passed): the find is recorded, and must be published.
    const changes = answers.flatMap((a) => (a instanceof ApiError || !a.change ? [] : [a.change]));
    if (changes.length > 0) {
      await announceChanges(client, changes).catch((err: unknown) => {
        // Committed is committed: the worker's sweep still finds the change rows.
        this.log.warn('could not announce changes; the sweep will pick them up', { err });
      });
    }
    live.forEach((pending, i) => settle(pending, answers[i]!));
  }

  private async record(client: Client, batch: Pending[], budgetMs: number): Promise<Row[]> {
    const { rows } = await client.query<Row>({
      // Named: prepared once per connection, planned once.
      name: 'submit-answers',
      text: 'select * from submit_answers($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
      values: [
        batch.map((p) => p.input.slug), batch.map((p) => p.input.clueId), batch.map((p) => p.input.playerId),
        batch.map((p) => p.input.handle), batch.map((p) => p.guess), this.hasher.keyId, NORMALIZATION_VERSION,
        this.limits.freeWrongPerClue, this.limits.backoffBaseSeconds, this.limits.backoffMaxSeconds, this.limits.maxPerMinute,
        budgetMs,
      ],
    });
    return rows.sort((a, b) => a.ord - b.ord);
  }

  private outcomeOf(input: AnswerInput, row: Row): SubmittedAnswer | ApiError {
    switch (row.refused) {
      case 'hunt': return notFound('hunt');
      case 'clue': return notFound('clue');
      case 'not_live': return new ApiError(409, 'hunt_not_live', 'the hunt is not accepting answers now');
      case 'team_required': return new ApiError(409, 'team_required', 'this is a team hunt: create or join a team first');
      case 'clue_locked': return new ApiError(409, 'clue_locked', 'this clue is locked: its unlock conditions do not hold yet');
      case 'per_minute': return rateLimited(row.wait_seconds ?? 60, `at most ${this.limits.maxPerMinute} new guesses per minute`);
      case 'backoff': return rateLimited(row.wait_seconds ?? 1, 'too many wrong guesses for this clue; wait before guessing again');
      case null: break;
    }
    const result: AnswerResult = { correct: row.correct, alreadyFound: row.already_found, points: row.points };
    const huntId = row.hunt_id!;
    if (row.found_at) {
      const find = { hunt: input.slug, playerId: input.playerId, handle: input.handle, clueId: input.clueId, foundAt: row.found_at.getTime(), points: row.points };
      // In a team hunt the find is the team's: shown at once in its members' own views.
      return { result, change: { huntId, find: row.competitor_id === input.playerId ? find : { ...find, teamId: row.competitor_id! } } };
    }
    return row.joined ? { result, change: { huntId } } : { result };
  }
}

/** Answers an answer once: the first of its result, its deadline, or a failure wins. */
function settle(pending: Pending, outcome: SubmittedAnswer | unknown): void {
  if (pending.settled) return;
  pending.settled = true;
  clearTimeout(pending.timer);
  if (outcome instanceof Error) pending.reject(outcome);
  else pending.resolve(outcome as SubmittedAnswer);
}
