// The body of every write route, as a zod schema: one place per route, unknown fields refused.
import { z } from 'zod';
import { ApiError } from './api-error.ts';

// PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
const text = () => z.string().refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const SLUG = /^[a-z0-9][a-z0-9-]{1,63}$/;

const timestamp = z.iso.datetime({ offset: true, precision: undefined }).transform((s) => new Date(s));
const optionalTime = z.union([timestamp, z.null()]).optional();

export const registerPlayerBody = z.strictObject({
  handle: z.string().regex(/^[A-Za-z0-9_-]{3,32}$/, 'handle must be 3 to 32 letters, digits, "_" or "-"'),
  displayName: text().trim().min(1).max(64).optional(),
});

// A transfer code as typed (any case, dashes and spaces allowed); one that names no code is a 404,
// not a malformed body.
export const claimTransferCodeBody = z.strictObject({
  code: z.string().min(1).max(64),
});

/** Asking for a transfer code takes no input: no body, or an empty object. */
export const createTransferCodeBody = z.strictObject({});

export const submitAnswerBody = z.strictObject({
  answer: text().min(1).max(1000),
});

/** Taking a hint takes no input: no body, or an empty object. */
export const takeHintBody = z.strictObject({});

export const huntStatus = z.enum(['draft', 'live', 'ended']);

export const huntMode = z.enum(['solo', 'team']);

// A clue's unlock conditions, all of which must hold: these clues (1-based positions in the hunt's
// `clues`) found, this many finds, this many minutes after the start. Positions are checked against
// the hunt (range, self, cycles) by hunt-admin.ts. Bounded by PostgreSQL's integer.
const positiveInt = () => z.number().int().min(1).max(2_147_483_647);
const unlockRule = z.strictObject({
  afterClues: z.array(positiveInt()).max(500).optional(),
  afterFinds: positiveInt().optional(),
  afterMinutes: positiveInt().optional(),
});

// A hint, sold for `cost` points; its position in `hints` is its number (1-based).
const hint = z.strictObject({
  text: text().min(1).max(2000),
  cost: z.number().int().min(0).max(10_000),
});

// Extra points for a clue's first, second, ... finder.
const firstFinderBonus = z.array(z.number().int().min(0).max(1_000_000)).max(5);

export const createHuntBody = z.strictObject({
  slug: z.string().regex(SLUG, 'slug must match ^[a-z0-9][a-z0-9-]{1,63}$'),
  title: text().trim().min(1).max(200),
  description: text().max(10_000).optional(),
  status: huntStatus.optional(),
  mode: huntMode.optional(),
  maxTeamSize: z.number().int().min(1).max(50).optional(),
  startsAt: optionalTime,
  endsAt: optionalTime,
  freezeAt: optionalTime,
  firstFinderBonus: firstFinderBonus.optional(),
  clues: z.array(z.strictObject({
    title: text().trim().min(1).max(200),
    body: text().max(10_000),
    points: z.number().int().min(1).max(1_000_000),
    answers: z.array(text().min(1).max(1000)).min(1).max(50),
    unlock: unlockRule.optional(),
    hints: z.array(hint).max(10).optional(),
  })).max(500),
});

export const createTeamBody = z.strictObject({
  name: text().trim().min(1).max(40),
});

export const joinTeamBody = z.strictObject({
  joinCode: z.string().min(1).max(64),
});

export const patchHuntBody = z.strictObject({
  status: huntStatus.optional(),
  startsAt: optionalTime,
  endsAt: optionalTime,
  /** null unfreezes. */
  freezeAt: optionalTime,
  firstFinderBonus: firstFinderBonus.optional(),
});

export const announcementBody = z.strictObject({
  text: text().trim().min(1).max(2000),
  clueId: z.uuid().optional(),
});

// An award (positive) or a penalty (negative) in a competitor's ledger, with its reason.
export const adjustmentBody = z.strictObject({
  competitorId: z.uuid(),
  points: z.number().int().min(-1_000_000).max(1_000_000).refine((n) => n !== 0, 'must not be zero'),
  reason: text().trim().min(1).max(200),
});

export const refreshBody = z.strictObject({
  hunt: z.string().regex(SLUG, 'hunt must be a hunt slug').optional(),
  // The organiser analytics (materialized views and stats documents) instead of documents.
  stats: z.boolean().optional(),
}).refine((b) => !(b.stats === true && b.hunt !== undefined), 'stats refreshes every hunt: give either hunt or stats, not both');

/** An organiser's fix to a clue: the limits of createHuntBody's clues; answers are only ever added. */
export const patchClueBody = z.strictObject({
  title: text().trim().min(1).max(200).optional(),
  body: text().max(10_000).optional(),
  points: z.number().int().min(1).max(1_000_000).optional(),
  addAnswers: z.array(text().min(1).max(1000)).min(1).max(50).optional(),
});

/** Hiding a competitor from public reads, or showing it again. */
export const moderateCompetitorBody = z.strictObject({
  hidden: z.boolean(),
});

/** Parses a body or throws 400 invalid_body with what was wrong, never echoing values back. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError(400, 'invalid_body', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new ApiError(400, 'invalid_body', `${where}: ${issue.message}`);
  }
  return result.data;
}
