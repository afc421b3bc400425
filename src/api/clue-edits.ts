// An organiser fixing a clue of a hunt, live or not: its title, body and points, and answers it
// should have accepted. Added answers re-judge the guesses already stored for the clue (kept as
// keyed hashes of the normalized text, so a new answer's hash finds them): each competitor who had
// guessed one, and has no find of the clue, is credited with the find at its earliest such guess.
// New points apply to every find of the clue, past ones included: a clue is worth one amount for
// everyone, which is what players compare on the board. Either way the hunt is rebuilt (the full
// path): points and texts move the hunt document and every finder's standing.
import type { z } from 'zod';
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { Pool, Queryable } from '../core/db.ts';
import { many, maybeOne, one, withTransaction } from '../core/db.ts';
import { markHuntDirty } from '../core/dirty.ts';
import { ApiError, notFound } from './api-error.ts';
import { ADMIN_LOCK } from './hunt-admin.ts';
import { clueDefinitions, type ClueDefinition } from './organiser-reads.ts';
import type { patchClueBody } from './request-schemas.ts';

// How long the second pass waits for answers that were being judged when the edit committed.
// Answers have a deadline of their own (ANSWER_TIMEOUT_MS, seconds), so this is rarely reached;
// when it is, the pass runs anyway and only a straggler still open misses the re-judging.
const IN_FLIGHT_WAIT_MS = 5000;

export async function patchClue(
  pool: Pool, hasher: AnswerHasher, slug: string, clueId: string, body: z.output<typeof patchClueBody>,
): Promise<ClueDefinition & { rejudged: number }> {
  const hashes = new Map<string, Buffer>();
  for (const [j, answer] of (body.addAnswers ?? []).entries()) {
    const normalized = normalizeAnswer(answer);
    if (normalized === '') throw new ApiError(400, 'invalid_body', `addAnswers.${j}: nothing is left after normalization`);
    const hash = hasher.hash(normalized);
    hashes.set(hash.toString('hex'), hash);
  }
  const rescore = body.points !== undefined;

  const edit = await withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<{ id: string }>(tx, 'select id from hunts where slug = $1', [slug]);
    if (!hunt) throw notFound('hunt');
    // No key update: answers hold key-share locks on the clue (their submissions' and finds' foreign
    // keys), which this does not wait for; a second organiser editing the clue does.
    const clue = await maybeOne<{ id: string }>(tx, 'select id from clues where hunt_id = $1 and id = $2 for no key update', [hunt.id, clueId]);
    if (!clue) throw notFound('clue');
    const edited = body.title !== undefined || body.body !== undefined || body.points !== undefined;
    if (edited) {
      await tx.query(
        `update clues set title = coalesce($2, title), body = coalesce($3, body), points = coalesce($4, points) where id = $1`,
        [clueId, body.title ?? null, body.body ?? null, body.points ?? null]);
    }
    // Answers the clue already accepted judged their guesses when they were made: only new ones
    // re-judge (a player who guessed an old answer while in another team is not credited again).
    const added = hashes.size === 0 ? [] : (await many<{ answer_hash: Buffer }>(tx,
      `insert into clue_answers (clue_id, key_id, norm_version, answer_hash)
       select $1, $2, $3, h from unnest($4::bytea[]) as h
       on conflict do nothing returning answer_hash`,
      [clueId, hasher.keyId, NORMALIZATION_VERSION, [...hashes.values()]])).map((r) => r.answer_hash);
    const settled = await settle(tx, hunt.id, clueId, added, hasher.keyId, rescore);
    if (edited || added.length > 0) await markHuntDirty(tx, hunt.id);
    return { huntId: hunt.id, added, credited: settled.credited };
  }, ADMIN_LOCK);

  let credited = edit.credited;
  if (edit.added.length > 0 || rescore) {
    // An answer judged before the edit committed (against the old answers and points) may commit
    // after the pass above read the clue's guesses and finds: a wrong guess of a new answer, or a
    // find at the old points. Once every answer open at our commit has ended, every answer is
    // either visible here or was judged against the edit, so the same pass again settles them.
    // (Locking the clue or the hunt against answers instead would queue behind a busy hunt's
    // answers for as long as they keep coming.)
    await waitForOpenTransactions(pool);
    credited += await withTransaction(pool, async (tx) => {
      const again = await settle(tx, edit.huntId, clueId, edit.added, hasher.keyId, rescore);
      if (again.credited > 0 || again.rescored > 0) await markHuntDirty(tx, edit.huntId);
      return again.credited;
    }, ADMIN_LOCK);
  }
  const [definition] = await clueDefinitions(pool, hasher, edit.huntId, clueId);
  // Deleted meanwhile (the hunt went with it): nothing left to show.
  if (!definition) throw notFound('clue');
  return { ...definition, rejudged: credited };
}

/**
 * Brings a clue's finds in line with its answers and points, idempotently, in one statement:
 * guesses of the `added` answers become finds (with their change row) for
 * competitors without one, at the earliest such guess, and the guesses are marked correct; with
 * `rescore`, finds take the clue's points (a find is its own ledger entry). In a team hunt a guess counts
 * for the team its player was in when guessing: the team they are in now, joined before the guess
 * (memberships are not kept once left, so a former member's guesses credit no one).
 */
async function settle(
  db: Queryable, huntId: string, clueId: string, added: Buffer[], keyId: string, rescore: boolean,
): Promise<{ credited: number; rescored: number }> {
  return one<{ credited: number; rescored: number }>(db,
    `with clue as (
       select c.points, h.mode from clues c join hunts h on h.id = c.hunt_id where c.id = $2
     ), rescored as (
       update finds f set points = clue.points from clue
        where $5 and f.clue_id = $2 and f.points <> clue.points
       returning f.competitor_id
     ), guesses as (
       select distinct on (g.competitor_id) g.competitor_id, g.player_id, g.submitted_at
         from (select case when clue.mode = 'team' then tm.team_id else s.player_id end as competitor_id,
                      s.player_id, s.submitted_at, s.id
                 from submissions s cross join clue
                 left join team_members tm
                        on clue.mode = 'team' and tm.hunt_id = s.hunt_id and tm.player_id = s.player_id and tm.joined_at <= s.submitted_at
                where s.hunt_id = $1 and s.clue_id = $2 and s.key_id = $4 and s.guess_hash = any($3::bytea[])) g
        where g.competitor_id is not null
          and not exists (select 1 from finds f where f.competitor_id = g.competitor_id and f.clue_id = $2)
        order by g.competitor_id, g.submitted_at, g.id
     ), credited as (
       insert into finds as f (competitor_id, clue_id, hunt_id, player_id, points, found_at)
       select g.competitor_id, $2, $1, g.player_id, clue.points, g.submitted_at from guesses g cross join clue
       on conflict (competitor_id, clue_id) do nothing
       returning f.competitor_id, f.player_id, f.points, f.found_at
     ), changes as (
       insert into read_model_changes (hunt_id, competitor_id, kind, clue_id)
       select $1, competitor_id, 'find', $2 from credited
     ), marked as (
       update submissions s set correct = true
        where s.hunt_id = $1 and s.clue_id = $2 and s.key_id = $4 and s.guess_hash = any($3::bytea[]) and not s.correct
     )
     select (select count(*) from credited)::integer as credited,
            (select count(*) from rescored)::integer as rescored`,
    [huntId, clueId, added, keyId, rescore]);
}

/**
 * Waits (at most IN_FLIGHT_WAIT_MS) until the transactions now open that may be answers have ended:
 * those holding a row lock on a hunt (answers take a key-share lock on theirs before judging, and
 * have a transaction id from then on). Only those: a long report or a materialized view's refresh
 * running meanwhile takes no such lock and does not hold up the edit.
 */
async function waitForOpenTransactions(pool: Pool): Promise<void> {
  const { xids } = await one<{ xids: string[] }>(pool,
    `select coalesce(array_agg(distinct own.transactionid::text), '{}') as xids
       from pg_locks l
       join pg_locks own on own.pid = l.pid and own.locktype = 'transactionid' and own.mode = 'ExclusiveLock' and own.granted
      where l.locktype = 'relation' and l.relation = 'hunts'::regclass and l.mode = 'RowShareLock'
        and l.database = (select oid from pg_database where datname = current_database())`);
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  while (xids.length > 0 && Date.now() < deadline) {
    // A transaction holds the lock on its own id until it commits or rolls back.
    const { open } = await one<{ open: number }>(pool,
      `select count(*)::integer as open from pg_locks
        where locktype = 'transactionid' and mode = 'ExclusiveLock' and transactionid = any($1::xid[])`, [xids]);
    if (open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
