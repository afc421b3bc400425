// What organisers read of their hunts: every hunt (drafts included) and one hunt's full definition,
// in the shape POST /v1/admin/hunts takes plus ids. Straight from the base tables, per request:
// admins are few, and they must see what is stored, not what was last published. Accepted answers
// are secrets: only how many a clue has is shown, never an answer or its hash.
import type { AnswerHasher } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION } from '../core/answer-hash.ts';
import type { Queryable } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';
import { toTimestamp, type HuntMode, type HuntStatus, type Timestamp } from '../core/documents.ts';
import { notFound } from './api-error.ts';

export interface HuntListing {
  slug: string; title: string; status: HuntStatus; mode: HuntMode;
  startsAt: Timestamp | null; endsAt: Timestamp | null; freezeAt: Timestamp | null; createdAt: Timestamp;
  clueCount: number;
  /** Every competitor, hidden ones included (the public playerCount leaves them out). */
  competitorCount: number;
}

export interface ClueDefinition {
  id: string; position: number; title: string; body: string; points: number;
  /** As create takes it (afterClues by 1-based position); null: the clue is open from the start. */
  unlock: { afterClues: number[]; afterFinds: number | null; afterMinutes: number | null } | null;
  hints: { text: string; cost: number }[];
  /** How many answers judge guesses (those hashed with the running key); never the answers. */
  acceptedAnswers: number;
}

export interface HuntDefinition {
  slug: string; title: string; description: string; status: HuntStatus; mode: HuntMode; maxTeamSize: number | null;
  startsAt: Timestamp | null; endsAt: Timestamp | null; freezeAt: Timestamp | null; firstFinderBonus: number[];
  createdAt: Timestamp;
  clues: ClueDefinition[];
  /** Competitors an organiser hid: not on any public document, so this is where to find them to unhide. */
  hiddenCompetitors: { competitorId: string; name: string }[];
}

/** Every hunt, newest created first. */
export async function listHunts(db: Queryable): Promise<{ hunts: HuntListing[] }> {
  const rows = await many<{
    slug: string; title: string; status: HuntStatus; mode: HuntMode; starts_at: Date | null; ends_at: Date | null;
    freeze_at: Date | null; created_at: Date; clue_count: number; competitor_count: number;
  }>(db,
    `select h.slug, h.title, h.status, h.mode, h.starts_at, h.ends_at, h.freeze_at, h.created_at,
            (select count(*) from clues c where c.hunt_id = h.id)::integer as clue_count,
            (select count(*) from competitors c where c.hunt_id = h.id)::integer as competitor_count
       from hunts h
      order by h.created_at desc, h.slug`);
  return {
    hunts: rows.map((r) => ({
      slug: r.slug, title: r.title, status: r.status, mode: r.mode,
      startsAt: toTimestamp(r.starts_at), endsAt: toTimestamp(r.ends_at), freezeAt: toTimestamp(r.freeze_at),
      createdAt: toTimestamp(r.created_at)!, clueCount: r.clue_count, competitorCount: r.competitor_count,
    })),
  };
}

interface ClueRow {
  id: string; position: number; title: string; body: string; points: number;
  after_clues: number[] | null; unlock_after_finds: number | null; unlock_after_minutes: number | null;
  hints: { text: string; cost: number }[] | null; accepted_answers: number;
}

/**
 * The clues of a hunt (or the one clue `clueId`), as in the definition. Unlock rules are stored as
 * clue ids and shown as positions, as create takes them.
 */
export async function clueDefinitions(db: Queryable, hasher: AnswerHasher, huntId: string, clueId?: string): Promise<ClueDefinition[]> {
  const rows = await many<ClueRow>(db,
    `select c.id, c.position, c.title, c.body, c.points, c.unlock_after_finds, c.unlock_after_minutes,
            (select array_agg(o.position order by o.position) from clues o
              where o.hunt_id = c.hunt_id and o.id = any(c.unlock_after_clues)) as after_clues,
            (select json_agg(json_build_object('text', h.text, 'cost', h.cost) order by h.n)
               from clue_hints h where h.clue_id = c.id) as hints,
            (select count(*) from clue_answers a
              where a.clue_id = c.id and a.key_id = $3 and a.norm_version = $4)::integer as accepted_answers
       from clues c
      where c.hunt_id = $1 and ($2::uuid is null or c.id = $2)
      order by c.position`,
    [huntId, clueId ?? null, hasher.keyId, NORMALIZATION_VERSION]);
  return rows.map((c) => ({
    id: c.id, position: c.position, title: c.title, body: c.body, points: c.points,
    unlock: c.after_clues || c.unlock_after_finds !== null || c.unlock_after_minutes !== null
      ? { afterClues: c.after_clues ?? [], afterFinds: c.unlock_after_finds, afterMinutes: c.unlock_after_minutes }
      : null,
    hints: c.hints ?? [],
    acceptedAnswers: c.accepted_answers,
  }));
}

export async function huntDefinition(db: Queryable, hasher: AnswerHasher, slug: string): Promise<HuntDefinition> {
  const hunt = await maybeOne<{
    id: string; slug: string; title: string; description: string; status: HuntStatus; mode: HuntMode;
    max_team_size: number | null; starts_at: Date | null; ends_at: Date | null; freeze_at: Date | null;
    first_finder_bonus: number[]; created_at: Date;
  }>(db,
    `select id, slug, title, description, status, mode, max_team_size, starts_at, ends_at, freeze_at, first_finder_bonus, created_at
       from hunts where slug = $1`, [slug]);
  if (!hunt) throw notFound('hunt');
  const clues = await clueDefinitions(db, hasher, hunt.id);
  const hidden = await many<{ competitor_id: string; name: string }>(db,
    'select competitor_id, name from competitors where hunt_id = $1 and hidden order by name collate "C", competitor_id', [hunt.id]);
  return {
    slug: hunt.slug, title: hunt.title, description: hunt.description, status: hunt.status, mode: hunt.mode,
    maxTeamSize: hunt.max_team_size,
    startsAt: toTimestamp(hunt.starts_at), endsAt: toTimestamp(hunt.ends_at), freezeAt: toTimestamp(hunt.freeze_at),
    firstFinderBonus: hunt.first_finder_bonus, createdAt: toTimestamp(hunt.created_at)!,
    clues,
    hiddenCompetitors: hidden.map((h) => ({ competitorId: h.competitor_id, name: h.name })),
  };
}
