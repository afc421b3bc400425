// Admin writes: creating hunts with their clues and hashed answers, status transitions, and
// refresh triggers. Every change that alters what players see marks the hunt dirty.
import type { PgBoss } from 'pg-boss';
import type { z } from 'zod';
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION, normalizeAnswer } from '../core/answer-hash.ts';
import type { Pool } from '../core/db.ts';
import { many, maybeOne, one, withTransaction } from '../core/db.ts';
import { markHuntDirty } from '../core/dirty.ts';
import { toTimestamp, type HuntStatus } from '../core/documents.ts';
import {
  FULL_REBUILD_KEY, FULL_REBUILD_QUEUE, REFRESH_HUNT_QUEUE, REFRESH_QUEUES, STATS_REFRESH_KEY, STATS_REFRESH_QUEUE,
  type FullRebuildJob, type RefreshHuntJob, type StatsRefreshJob,
} from '../core/queues.ts';
import { ApiError, notFound } from './api-error.ts';
import type { createHuntBody, patchHuntBody } from './request-schemas.ts';

// Admin writes wait this long for a lock, then answer 503: an organiser retrying beats a request
// queued forever behind a stuck transaction.
export const ADMIN_LOCK = { lockTimeoutMs: 2000 };

const DEFAULT_MAX_TEAM_SIZE = 4;

const ALLOWED_TRANSITIONS: Record<HuntStatus, readonly HuntStatus[]> = {
  draft: ['live'],
  live: ['ended'],
  ended: ['live'],
};

function checkWindow(startsAt: Date | null, endsAt: Date | null): void {
  if (startsAt && endsAt && startsAt.getTime() >= endsAt.getTime()) {
    throw new ApiError(400, 'invalid_body', 'endsAt must be after startsAt');
  }
}

/**
 * Each clue's afterClues positions (1-based, deduplicated), checked: every one names another clue
 * of the hunt, and no clue waits on itself through others (which would lock them for ever).
 * 400 invalid_body naming the clue otherwise.
 */
export function unlockPositions(afterClues: number[][]): number[][] {
  const count = afterClues.length;
  const resolved = afterClues.map((positions, i) => {
    const own = i + 1;
    for (const position of positions) {
      if (position > count) {
        throw new ApiError(400, 'invalid_body',
          `clues.${i}.unlock.afterClues: clue ${own} waits for clue ${position}, but the hunt has ${count} clue${count === 1 ? '' : 's'} (positions are 1-based)`);
      }
      if (position === own) throw new ApiError(400, 'invalid_body', `clues.${i}.unlock.afterClues: clue ${own} waits for itself`);
    }
    return [...new Set(positions)];
  });
  // Depth-first search for a cycle; the path on the stack names it.
  const state = new Array<'visiting' | 'done' | undefined>(count + 1);
  const path: number[] = [];
  const visit = (position: number): void => {
    if (state[position] === 'done') return;
    if (state[position] === 'visiting') {
      const cycle = [...path.slice(path.indexOf(position)), position];
      throw new ApiError(400, 'invalid_body',
        `clues.${position - 1}.unlock.afterClues: clue ${position} can never unlock, its rule is part of a cycle: `
        + `clue ${cycle[0]} waits for ${cycle.slice(1).map((p) => `clue ${p}`).join(', which waits for ')}`);
    }
    state[position] = 'visiting';
    path.push(position);
    for (const next of resolved[position - 1]!) visit(next);
    path.pop();
    state[position] = 'done';
  };
  for (let position = 1; position <= count; position++) visit(position);
  return resolved;
}

export async function createHunt(pool: Pool, hasher: AnswerHasher, body: z.output<typeof createHuntBody>) {
  checkWindow(body.startsAt ?? null, body.endsAt ?? null);
  const mode = body.mode ?? 'solo';
  if (mode === 'solo' && body.maxTeamSize !== undefined) {
    throw new ApiError(400, 'invalid_body', 'maxTeamSize: only a team hunt has teams (mode "team")');
  }
  const maxTeamSize = mode === 'team' ? body.maxTeamSize ?? DEFAULT_MAX_TEAM_SIZE : null;
  const clues = body.clues.map((clue, i) => {
    const hashes = new Map<string, Buffer>();
    for (const [j, answer] of clue.answers.entries()) {
      const normalized = normalizeAnswer(answer);
      if (normalized === '') {
        throw new ApiError(400, 'invalid_body', `clues.${i}.answers.${j}: nothing is left after normalization`);
      }
      const hash = hasher.hash(normalized);
      hashes.set(hash.toString('hex'), hash);
    }
    return { ...clue, position: i + 1, hashes: [...hashes.values()] };
  });
  const afterClues = unlockPositions(body.clues.map((clue) => clue.unlock?.afterClues ?? []));

  // A taken slug fails the insert with hunts_slug_key: 409 slug_taken (api-error.ts).
  return withTransaction(pool, async (tx) => {
    const hunt = await one<{ id: string; status: HuntStatus }>(tx,
      `insert into hunts (slug, title, description, status, starts_at, ends_at, mode, max_team_size, first_live_at, freeze_at, first_finder_bonus)
       values ($1, $2, $3, $4, $5, $6, $7, $8, case when $4::hunt_status = 'live' then clock_timestamp() end, $9, $10) returning id, status`,
      [body.slug, body.title, body.description ?? '', body.status ?? 'draft', body.startsAt ?? null, body.endsAt ?? null,
        mode, maxTeamSize, body.freezeAt ?? null, body.firstFinderBonus ?? []]);
    const created = clues.length === 0 ? [] : await many<{ id: string; position: number }>(tx,
      `insert into clues (hunt_id, position, title, body, points)
       select $1, p, t, b, pts from unnest($2::int[], $3::text[], $4::text[], $5::int[]) as x(p, t, b, pts)
       returning id, position`,
      [hunt.id, clues.map((c) => c.position), clues.map((c) => c.title), clues.map((c) => c.body), clues.map((c) => c.points)]);
    created.sort((a, b) => a.position - b.position);
    const answerRows = clues.flatMap((clue, i) => clue.hashes.map((hash) => ({ clueId: created[i]!.id, hash })));
    if (answerRows.length > 0) {
      await tx.query(
        `insert into clue_answers (clue_id, key_id, norm_version, answer_hash)
         select c, $2, $3, h from unnest($1::uuid[], $4::bytea[]) as x(c, h)`,
        [answerRows.map((r) => r.clueId), hasher.keyId, NORMALIZATION_VERSION, answerRows.map((r) => r.hash)]);
    }
    // Unlock rules, for the clues that have any (positions resolved to the ids just created), and
    // hints: one statement each.
    const ruled = clues.flatMap((clue, i) => {
      const unlock = clue.unlock ?? {};
      const after = afterClues[i]!;
      if (after.length === 0 && unlock.afterFinds === undefined && unlock.afterMinutes === undefined) return [];
      return [{
        id: created[i]!.id,
        after_clues: after.length > 0 ? after.map((position) => created[position - 1]!.id) : null,
        after_finds: unlock.afterFinds ?? null,
        after_minutes: unlock.afterMinutes ?? null,
      }];
    });
    if (ruled.length > 0) {
      await tx.query(
        `update clues c set unlock_after_clues = r.after_clues, unlock_after_finds = r.after_finds, unlock_after_minutes = r.after_minutes
           from jsonb_to_recordset($1::jsonb) as r(id uuid, after_clues uuid[], after_finds integer, after_minutes integer)
          where c.id = r.id`,
        [JSON.stringify(ruled)]);
    }
    const hints = clues.flatMap((clue, i) => (clue.hints ?? []).map((hint, j) => ({ clueId: created[i]!.id, n: j + 1, ...hint })));
    if (hints.length > 0) {
      await tx.query(
        `insert into clue_hints (clue_id, n, text, cost)
         select c, n, t, k from unnest($1::uuid[], $2::int[], $3::text[], $4::int[]) as x(c, n, t, k)`,
        [hints.map((h) => h.clueId), hints.map((h) => h.n), hints.map((h) => h.text), hints.map((h) => h.cost)]);
    }
    if (hunt.status !== 'draft') await markHuntDirty(tx, hunt.id);
    return { slug: body.slug, clues: created.map((c) => ({ id: c.id, position: c.position })) };
  }, ADMIN_LOCK);
}

interface HuntRecord {
  id: string; slug: string; title: string; description: string; status: HuntStatus;
  starts_at: Date | null; ends_at: Date | null; freeze_at: Date | null; first_finder_bonus: number[];
}
const HUNT_RECORD = 'id, slug, title, description, status, starts_at, ends_at, freeze_at, first_finder_bonus';

export async function patchHunt(pool: Pool, slug: string, body: z.output<typeof patchHuntBody>) {
  return withTransaction(pool, async (tx) => {
    const hunt = await maybeOne<HuntRecord>(tx,
      // No key update: answers hold key-share locks on their hunt's row (hunts take 500 answers a
      // second, so one is nearly always held), which FOR UPDATE would queue behind, possibly for
      // ever. An answer judged while the hunt was live counts even if it commits just after.
      `select ${HUNT_RECORD} from hunts where slug = $1 for no key update`, [slug]);
    if (!hunt) throw notFound('hunt');
    const status = body.status ?? hunt.status;
    if (status !== hunt.status && !ALLOWED_TRANSITIONS[hunt.status].includes(status)) {
      throw new ApiError(409, 'invalid_transition', `a ${hunt.status} hunt cannot become ${status}`);
    }
    const startsAt = body.startsAt === undefined ? hunt.starts_at : body.startsAt;
    const endsAt = body.endsAt === undefined ? hunt.ends_at : body.endsAt;
    checkWindow(startsAt, endsAt);
    // The engine would end it again at once (hunt-clock.ts): going live needs an end still to come.
    if (body.status === 'live' && endsAt && endsAt.getTime() <= Date.now()) {
      throw new ApiError(409, 'invalid_transition', body.endsAt === undefined
        ? 'this hunt\'s endsAt has passed: move endsAt (or set it to null) in the same request to make it live again'
        : 'endsAt must be in the future for the hunt to be live');
    }
    const updated = await one<HuntRecord>(tx,
      `update hunts set status = $2, starts_at = $3, ends_at = $4, freeze_at = $5, first_finder_bonus = $6,
              first_live_at = coalesce(first_live_at, case when $2::hunt_status = 'live' then clock_timestamp() end) where id = $1
       returning ${HUNT_RECORD}`,
      [hunt.id, status, startsAt, endsAt, body.freezeAt === undefined ? hunt.freeze_at : body.freezeAt,
        body.firstFinderBonus ?? hunt.first_finder_bonus]);
    await markHuntDirty(tx, hunt.id);
    const clues = await many<{ id: string; position: number; title: string; points: number }>(tx,
      'select id, position, title, points from clues where hunt_id = $1 order by position', [hunt.id]);
    return {
      slug: updated.slug, title: updated.title, description: updated.description, status: updated.status,
      startsAt: toTimestamp(updated.starts_at), endsAt: toTimestamp(updated.ends_at),
      freezeAt: toTimestamp(updated.freeze_at), firstFinderBonus: updated.first_finder_bonus,
      clueCount: clues.length, clues,
    };
  }, ADMIN_LOCK);
}

/**
 * Enqueues a refresh (one hunt, or the full rebuild). When the queue's stately policy coalesces the
 * trigger into a job that is already waiting, that job's id is returned.
 */
export async function enqueueRefresh(pool: Pool, boss: PgBoss, huntSlug: string | undefined, stats = false): Promise<string> {
  let queue: string;
  let key: string;
  let data: RefreshHuntJob | FullRebuildJob | StatsRefreshJob;
  if (stats) {
    // The organiser analytics of every hunt (src/worker/stats-refresh.ts).
    queue = STATS_REFRESH_QUEUE;
    key = STATS_REFRESH_KEY;
    data = { reason: 'admin' };
  } else if (huntSlug === undefined) {
    queue = FULL_REBUILD_QUEUE;
    key = FULL_REBUILD_KEY;
    data = { reason: 'admin' };
  } else {
    const hunt = await maybeOne<{ id: string }>(pool, 'select id from hunts where slug = $1', [huntSlug]);
    if (!hunt) throw notFound('hunt');
    // The mark, not the job, asks for the full path: whichever job of this hunt runs next (the
    // send below may coalesce into one already waiting) rebuilds it from scratch.
    await withTransaction(pool, (tx) => markHuntDirty(tx, hunt.id), ADMIN_LOCK);
    queue = REFRESH_HUNT_QUEUE;
    key = hunt.id;
    data = { huntId: hunt.id, reason: 'admin' };
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = await boss.send(queue, data, { singletonKey: key });
    if (id) return id;
    // Coalesced: find the job waiting for this key. If it started between our send and this
    // read, the next send queues behind it.
    const waiting = await maybeOne<{ id: string }>(pool,
      `select id from pgboss.job
        where name = $1 and singleton_key = $2 and state in ('created', 'retry')
        order by created_on desc limit 1`, [queue, key]);
    if (waiting) return waiting.id;
  }
  throw new ApiError(503, 'unavailable', 'could not enqueue the refresh; try again', { 'retry-after': '1' });
}

export async function getJob(boss: PgBoss, id: string) {
  for (const queue of REFRESH_QUEUES) {
    const job = await boss.getJobById<object>(queue, id);
    if (job) {
      return {
        id: job.id, name: job.name, state: job.state,
        createdAt: toTimestamp(job.createdOn), startedAt: toTimestamp(job.startedOn), completedAt: toTimestamp(job.completedOn),
        output: job.output ?? null,
      };
    }
  }
  throw notFound('job');
}
