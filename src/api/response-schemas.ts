// The body of every response, as a zod schema: what the OpenAPI document (openapi.ts) says the API
// answers. Nothing here validates at run time (documents are served as bytes the worker wrote); the
// schemas are held to the truth twice: at compile time each equals the TypeScript shape the code
// builds (documents.ts and the route modules; the checks at the end of this file), and in the tests
// every response the API contract tests receive is validated against the generated document
// (test/support/openapi-check.ts). Objects are closed (additionalProperties: false in the
// document), so a field added to a response and not here fails those tests.
import { z } from 'zod';
import type { BigboardDocument, StatsDocument } from '../core/analytics-documents.ts';
import type {
  FeedContent, HuntDetailContent, HuntsIndexContent, LeaderboardEntry, LeaderboardHead, ProgressView, Stamp, TeamContent, TeamPlayerView,
} from '../core/documents.ts';
import { REFRESH_QUEUES } from '../core/queues.ts';
import type { adjust } from './adjustments.ts';
import type { liveLeaderboard } from './admin-standings.ts';
import type { announce } from './announcements.ts';
import type { AnswerResult } from './answer-submission.ts';
import type { ErrorCode } from './api-error.ts';
import type { patchClue } from './clue-edits.ts';
import type { TakenHint } from './hints.ts';
import type { createHunt, getJob, patchHunt } from './hunt-admin.ts';
import type { setCompetitorHidden } from './moderation.ts';
import type { HuntDefinition, HuntListing } from './organiser-reads.ts';
import type { OwnView } from './own-view.ts';
import type { createTransferCode } from './player-transfer.ts';
import type { createTeam, joinTeam } from './teams.ts';

/** Every error code (api-error.ts's ErrorCode; the check at the end keeps the two equal). */
export const ERROR_CODES = [
  'invalid_body', 'invalid_query', 'unauthorized', 'not_found', 'handle_taken', 'slug_taken',
  'hunt_not_live', 'invalid_transition', 'rate_limited', 'unavailable', 'internal',
  'not_team_hunt', 'team_name_taken', 'already_in_team', 'team_full', 'team_required',
  'clue_locked', 'already_found', 'hint_locked',
] as const satisfies readonly ErrorCode[];

// Building blocks, registered under their own names (openapi.ts) so the document refers to them.
export const timestamp = z.iso.datetime().describe('ISO 8601 UTC, e.g. 2026-11-26T10:31:38.123Z');
export const uuid = z.uuid();
const count = () => z.number().int().min(0);
const version = count().describe('the document version (0: not published yet)');
const handle = z.string().describe('a player handle');

const stamp = { version, generatedAt: timestamp };
const freeze = {
  frozen: z.boolean().describe('true from the hunt\'s freezeAt on: standings as of frozenAt'),
  frozenAt: timestamp.nullable(),
};

export const huntStatus = z.enum(['draft', 'live', 'ended']).describe('as stored');
export const publicHuntStatus = z.enum(['live', 'ended', 'scheduled', 'draft'])
  .describe('as the public sees it: a live hunt whose startsAt is to come is "scheduled"');
export const huntMode = z.enum(['solo', 'team']);

export const errorBody = z.object({
  error: z.enum(ERROR_CODES),
  message: z.string().describe('for people; never parse it'),
});

export const adjustment = z.object({ points: z.number().int(), reason: z.string(), at: timestamp })
  .describe('an organiser\'s award (positive) or penalty (negative)');

export const huntsIndex = z.object({
  hunts: z.array(z.object({
    slug: z.string(), title: z.string(), status: publicHuntStatus,
    startsAt: timestamp.nullable(), endsAt: timestamp.nullable(),
    clueCount: count(), playerCount: count(),
  })),
  ...stamp,
});

const firstFinder = z.union([
  z.object({ playerId: uuid, handle, foundAt: timestamp }),
  z.object({ teamId: uuid, name: z.string(), foundAt: timestamp }),
]);

export const announcement = z.object({ id: uuid, at: timestamp, text: z.string(), clueId: uuid.nullable() });

export const huntDetail = z.object({
  slug: z.string(), mode: huntMode, title: z.string(), description: z.string(), status: publicHuntStatus,
  startsAt: timestamp.nullable(), endsAt: timestamp.nullable(),
  clueCount: count(), playerCount: count(), findCount: count(),
  clues: z.array(z.object({
    id: uuid, position: z.number().int().min(1),
    title: z.string().nullable().describe('null while the clue is locked'), body: z.string().nullable(),
    points: z.number().int(), locked: z.boolean(), solveCount: count(), firstFinder: firstFinder.nullable(),
  })).describe('empty while the hunt is scheduled'),
  announcements: z.array(announcement).describe('newest first'),
  ...freeze,
  ...stamp,
});

const playerEntry = z.object({
  rank: z.number().int().min(1), playerId: uuid, handle, points: z.number().int(), cluesFound: count(), lastFindAt: timestamp,
});
const teamEntry = z.object({
  rank: z.number().int().min(1), teamId: uuid, name: z.string(), points: z.number().int(), cluesFound: count(), lastFindAt: timestamp,
  memberCount: count(),
});

export const leaderboard = z.object({
  hunt: z.string(),
  entries: z.array(z.union([playerEntry, teamEntry])).describe('players in a solo hunt, teams in a team hunt; equal competitors share a rank'),
  total: count(),
  ...freeze,
  ...stamp,
});

export const feed = z.object({
  entries: z.array(z.object({
    type: z.enum(['find', 'first_find', 'announcement']),
    at: timestamp, competitorId: uuid.nullable(), name: z.string().nullable(), clueId: uuid.nullable(), text: z.string().nullable(),
  })).describe('the latest finds and announcements, newest first; fields that do not apply are null'),
  ...freeze,
  ...stamp,
});

const find = { clueId: uuid, foundAt: timestamp, points: z.number().int() };
const rank = z.number().int().min(1).nullable().describe('from the leaderboard of leaderboardVersion; null: not ranked');

export const soloProgress = z.object({
  playerId: uuid, handle, points: z.number().int(), cluesFound: count(),
  finds: z.array(z.object(find)), adjustments: z.array(adjustment),
  ...freeze,
  rank, leaderboardVersion: count(),
  ...stamp,
});

const teamFind = z.object({ ...find, playerId: uuid.describe('the member who found it') });

export const teamPlayerProgress = z.object({
  playerId: uuid, handle, teamId: uuid.nullable().describe('null: in no team of the hunt'), rank, points: z.number().int(), cluesFound: count(),
  finds: z.array(teamFind), adjustments: z.array(adjustment),
  ...freeze,
  leaderboardVersion: count(),
  ...stamp,
});

export const progress = z.union([soloProgress, teamPlayerProgress]).describe('a player\'s progress: their own in a solo hunt, their team\'s in a team hunt');

export const team = z.object({
  teamId: uuid, name: z.string(), members: z.array(z.object({ playerId: uuid, handle })),
  points: z.number().int(), cluesFound: count(), finds: z.array(teamFind), adjustments: z.array(adjustment),
  ...freeze,
  rank, leaderboardVersion: count(),
  ...stamp,
});

export const ownView = z.object({
  hunt: z.string(),
  mode: huntMode,
  competitor: z.object({
    type: z.enum(['player', 'team']), id: uuid, name: z.string(), joinCode: z.string().nullable().describe('a team\'s join code'),
  }).nullable().describe('null: a player in no team of a team hunt'),
  points: z.number().int(),
  cluesFound: count(),
  adjustments: z.array(adjustment),
  clues: z.array(z.object({
    id: uuid, position: z.number().int().min(1), points: z.number().int(), state: z.enum(['locked', 'open', 'found']),
    title: z.string().nullable().describe('null while locked'), body: z.string().nullable(), foundAt: timestamp.nullable(),
    hints: z.array(z.object({ n: z.number().int().min(1), cost: count(), text: z.string().nullable().describe('null until taken') })),
  })).describe('none before startsAt'),
  rank: z.number().int().min(1).nullable(),
});

export const registeredPlayer = z.object({
  id: uuid, handle, token: z.string().describe('the player\'s bearer token, shown once'),
});

export const transferCode = z.object({
  code: z.string().describe('e.g. ABCD-EFGH-JK; single-use'), expiresAt: timestamp,
});

export const answerResult = z.object({
  correct: z.boolean(), alreadyFound: z.boolean(), points: z.number().int().describe('points this answer earned'),
});

export const takenHint = z.object({
  n: z.number().int().min(1), text: z.string(), cost: count(), points: z.number().int().describe('the competitor\'s total after paying'),
});

export const createdTeam = z.object({ id: uuid, name: z.string(), joinCode: z.string() });
export const joinedTeam = z.object({ id: uuid, name: z.string() });

export const createdHunt = z.object({
  slug: z.string(), clues: z.array(z.object({ id: uuid, position: z.number().int().min(1) })),
});

export const patchedHunt = z.object({
  slug: z.string(), title: z.string(), description: z.string(), status: huntStatus,
  startsAt: timestamp.nullable(), endsAt: timestamp.nullable(), freezeAt: timestamp.nullable(),
  firstFinderBonus: z.array(count()), clueCount: count(),
  clues: z.array(z.object({ id: uuid, position: z.number().int().min(1), title: z.string(), points: z.number().int() })),
});

export const refreshJobCreated = z.object({ jobId: uuid });

export const job = z.object({
  id: uuid,
  name: z.enum(REFRESH_QUEUES),
  state: z.enum(['created', 'retry', 'active', 'completed', 'cancelled', 'failed']).describe('pg-boss job states'),
  createdAt: timestamp.nullable(), startedAt: timestamp.nullable(), completedAt: timestamp.nullable(),
  // The job's own report: its shape belongs to the worker and may change with it.
  output: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullable(),
});

export const createdAdjustment = z.object({ id: z.string().regex(/^[0-9]+$/) });
export const createdAnnouncement = z.object({ id: uuid, at: timestamp });

export const adminHuntList = z.object({
  hunts: z.array(z.object({
    slug: z.string(), title: z.string(), status: huntStatus, mode: huntMode,
    startsAt: timestamp.nullable(), endsAt: timestamp.nullable(), freezeAt: timestamp.nullable(), createdAt: timestamp,
    clueCount: count(), competitorCount: count().describe('hidden competitors included'),
  })),
});

export const clueDefinition = z.object({
  id: uuid, position: z.number().int().min(1), title: z.string(), body: z.string(), points: z.number().int(),
  unlock: z.object({
    afterClues: z.array(z.number().int().min(1)).describe('1-based positions'), afterFinds: z.number().int().nullable(), afterMinutes: z.number().int().nullable(),
  }).nullable(),
  hints: z.array(z.object({ text: z.string(), cost: count() })),
  acceptedAnswers: count().describe('how many answers the clue accepts; never the answers'),
});

export const huntDefinition = z.object({
  slug: z.string(), title: z.string(), description: z.string(), status: huntStatus, mode: huntMode, maxTeamSize: z.number().int().nullable(),
  startsAt: timestamp.nullable(), endsAt: timestamp.nullable(), freezeAt: timestamp.nullable(), firstFinderBonus: z.array(count()),
  createdAt: timestamp,
  clues: z.array(clueDefinition),
  hiddenCompetitors: z.array(z.object({ competitorId: uuid, name: z.string() })),
});

export const editedClue = z.object({ ...clueDefinition.shape, rejudged: count().describe('competitors credited by the added answers') });

export const competitorVisibility = z.object({ competitorId: uuid, hidden: z.boolean() });

export const huntStats = z.object({
  hunt: z.string(),
  generatedAt: timestamp.nullable().describe('null before the hunt\'s first stats refresh'),
  clues: z.array(z.object({
    clueId: uuid, position: z.number().int().min(1), title: z.string(),
    finds: count(), wrongGuesses: count(), hintsTaken: count(),
    medianSecondsToFind: z.number().min(0).nullable(), firstFindAt: timestamp.nullable(),
  })),
  findsPerHour: z.array(z.object({ hour: timestamp, finds: count() })),
});

export const bigboard = z.object({
  hunt: z.string(),
  generatedAt: timestamp.nullable(),
  clues: z.array(z.object({ clueId: uuid, position: z.number().int().min(1), title: z.string() })),
  competitors: z.array(z.object({
    competitorId: uuid, name: z.string(), hidden: z.boolean(), cluesFound: count(),
    cells: z.array(z.object({ clueId: uuid, foundAt: timestamp.nullable(), hintsTaken: count(), wrongGuesses: count() })),
  })),
});

export const health = z.object({ status: z.literal('ok') });

const readiness = {
  database: z.enum(['up', 'down']),
  snapshots: z.object({ documents: count(), progressHeld: count(), seq: count() }),
};
export const ready = z.object({ status: z.literal('ready'), ...readiness });
export const notReady = z.object({ error: z.literal('unavailable'), message: z.string(), status: z.literal('starting'), ...readiness });

// Compile-time checks: each schema's output is exactly the type the code serves. A field added to,
// removed from or retyped in either fails `tsc` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Body<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Out<S extends z.ZodType> = z.output<S>;
/** For bodies built inline, whose inferred types are narrower (a literal null): they fit the schema. */
type Fits<A, B> = [A] extends [B] ? true : false;
true satisfies Same<Out<typeof huntsIndex>, HuntsIndexContent & Stamp>;
true satisfies Same<Out<typeof huntDetail>, HuntDetailContent & Stamp>;
true satisfies Same<Out<typeof leaderboard>, LeaderboardHead & { entries: LeaderboardEntry[] } & Stamp>;
true satisfies Fits<Body<typeof liveLeaderboard>, Out<typeof leaderboard>>;
true satisfies Same<Out<typeof feed>, FeedContent & Stamp>;
true satisfies Same<Out<typeof soloProgress>, ProgressView & Stamp>;
true satisfies Same<Out<typeof teamPlayerProgress>, TeamPlayerView & Stamp>;
true satisfies Same<Out<typeof team>, TeamContent & { rank: number | null; leaderboardVersion: number } & Stamp>;
true satisfies Same<Out<typeof ownView>, OwnView>;
true satisfies Same<Out<typeof transferCode>, Body<typeof createTransferCode>>;
true satisfies Same<Out<typeof answerResult>, AnswerResult>;
true satisfies Same<Out<typeof takenHint>, TakenHint>;
true satisfies Same<Out<typeof createdTeam>, Body<typeof createTeam>>;
true satisfies Same<Out<typeof joinedTeam>, Body<typeof joinTeam>>;
true satisfies Same<Out<typeof createdHunt>, Body<typeof createHunt>>;
true satisfies Same<Out<typeof patchedHunt>, Body<typeof patchHunt>>;
true satisfies Same<Omit<Out<typeof job>, 'name' | 'state' | 'output'>, Omit<Body<typeof getJob>, 'name' | 'state' | 'output'>>;
true satisfies Same<Out<typeof createdAdjustment>, Body<typeof adjust>>;
true satisfies Same<Out<typeof createdAnnouncement>, Body<typeof announce>>;
true satisfies Same<Out<typeof adminHuntList>, { hunts: HuntListing[] }>;
true satisfies Same<Out<typeof huntDefinition>, HuntDefinition>;
true satisfies Same<Out<typeof editedClue>, Body<typeof patchClue>>;
true satisfies Same<Out<typeof competitorVisibility>, Body<typeof setCompetitorHidden>>;
true satisfies Same<Out<typeof huntStats>, StatsDocument>;
true satisfies Same<Out<typeof bigboard>, BigboardDocument>;
true satisfies Same<(typeof ERROR_CODES)[number], ErrorCode>;
