// The OpenAPI 3.1 document of the HTTP API (GET /openapi.json), generated from the schemas the code
// uses: request bodies from the zod schemas that validate them (request-schemas.ts), response
// bodies from response-schemas.ts, both through zod's own JSON Schema output (draft 2020-12, the
// dialect of OpenAPI 3.1). Built once per process and served from memory. The route table below is
// the part written by hand; test/openapi.test.ts fails when it misses a route the server has, and
// test/support/openapi-check.ts when a response disagrees with it.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { LEADERBOARD_PAGE_SIZE } from '../core/documents.ts';
import { CSV_HEADER } from './admin-analytics.ts';
import type { ErrorCode } from './api-error.ts';
import { OWN_VIEW_ROUTE } from './own-view-route.ts';
import * as requests from './request-schemas.ts';
import * as responses from './response-schemas.ts';
import type { SnapshotRoute } from './snapshot-routes.ts';

/** The leaderboard's largest `limit` (snapshot-routes.ts; the test holds the two together). */
export const MAX_PAGE_LIMIT = 100;

type Method = 'get' | 'post' | 'patch' | 'delete';
type Security = 'public' | 'player' | 'admin' | 'metrics';

/** Response headers, as components.headers names them. */
type HeaderName = 'ETag' | 'XSnapshotVersion' | 'XSnapshotAgeMs' | 'XSnapshotStale' | 'PublicCacheControl' | 'PrivateCacheControl'
  | 'NoStoreCacheControl' | 'DocumentCacheControl' | 'RetryAfter' | 'WWWAuthenticate' | 'XRequestId';

/** A success response: a JSON body (a component schema), another media type, or none. */
interface Success {
  status: number;
  description: string;
  json?: ResponseSchema;
  media?: { type: string; schema: object };
  headers: readonly HeaderName[];
}

interface Operation {
  summary: string;
  description?: string;
  tag: string;
  security: Security;
  body?: { schema: RequestSchema; optional?: boolean };
  paging?: boolean;
  /** Answers If-None-Match with 304, with these headers. */
  conditional?: readonly HeaderName[];
  ok: readonly Success[];
  /** Error statuses and the codes each can carry (500 internal is added to every operation). */
  errors: Partial<Record<number, readonly ErrorCode[]>>;
}

// Component names of the bodies: one place, so the route table cannot name a schema that is not there.
const RESPONSE_SCHEMAS = {
  Timestamp: responses.timestamp, Uuid: responses.uuid, Error: responses.errorBody,
  HuntStatus: responses.huntStatus, PublicHuntStatus: responses.publicHuntStatus, HuntMode: responses.huntMode,
  Adjustment: responses.adjustment, Announcement: responses.announcement,
  HuntsIndex: responses.huntsIndex, HuntDetail: responses.huntDetail, Leaderboard: responses.leaderboard, Feed: responses.feed,
  SoloProgress: responses.soloProgress, TeamPlayerProgress: responses.teamPlayerProgress, Progress: responses.progress,
  Team: responses.team, OwnView: responses.ownView,
  RegisteredPlayer: responses.registeredPlayer, TransferCode: responses.transferCode, AnswerResult: responses.answerResult,
  TakenHint: responses.takenHint, CreatedTeam: responses.createdTeam, JoinedTeam: responses.joinedTeam,
  CreatedHunt: responses.createdHunt, PatchedHunt: responses.patchedHunt, RefreshJobCreated: responses.refreshJobCreated,
  Job: responses.job, CreatedAdjustment: responses.createdAdjustment, CreatedAnnouncement: responses.createdAnnouncement,
  AdminHuntList: responses.adminHuntList, ClueDefinition: responses.clueDefinition, HuntDefinition: responses.huntDefinition,
  EditedClue: responses.editedClue, CompetitorVisibility: responses.competitorVisibility,
  HuntStats: responses.huntStats, Bigboard: responses.bigboard,
  Health: responses.health, Ready: responses.ready, NotReady: responses.notReady,
} satisfies Record<string, z.ZodType>;
type ResponseSchema = keyof typeof RESPONSE_SCHEMAS;

const REQUEST_SCHEMAS = {
  RegisterPlayerBody: requests.registerPlayerBody, ClaimTransferCodeBody: requests.claimTransferCodeBody,
  CreateTransferCodeBody: requests.createTransferCodeBody, SubmitAnswerBody: requests.submitAnswerBody,
  TakeHintBody: requests.takeHintBody, CreateHuntBody: requests.createHuntBody, CreateTeamBody: requests.createTeamBody,
  JoinTeamBody: requests.joinTeamBody, PatchHuntBody: requests.patchHuntBody, AnnouncementBody: requests.announcementBody,
  AdjustmentBody: requests.adjustmentBody, RefreshBody: requests.refreshBody, PatchClueBody: requests.patchClueBody,
  ModerateCompetitorBody: requests.moderateCompetitorBody,
} satisfies Record<string, z.ZodType>;
type RequestSchema = keyof typeof REQUEST_SCHEMAS;

const SNAPSHOT_HEADERS: readonly HeaderName[] = ['ETag', 'XSnapshotVersion', 'XSnapshotAgeMs', 'XSnapshotStale', 'PublicCacheControl'];
const PRIVATE: readonly HeaderName[] = ['PrivateCacheControl'];
const json = (status: number, schema: ResponseSchema, description: string, headers: readonly HeaderName[] = PRIVATE): Success =>
  ({ status, description, json: schema, headers });
const noContent = (description: string): Success => ({ status: 204, description, headers: PRIVATE });

// Errors every route of a kind can answer.
const BODY_ERRORS = { 400: ['invalid_body'], 413: ['invalid_body'], 415: ['invalid_body'] } as const;
const UNAVAILABLE = { 503: ['unavailable'] } as const;
const PLAYER = { 401: ['unauthorized'], ...UNAVAILABLE } as const;
const ADMIN = { 401: ['unauthorized'], ...UNAVAILABLE } as const;
const NOT_FOUND = { 404: ['not_found'] } as const;

/** Snapshot reads (snapshot-routes.ts): keyed by its route type, so a new one fails to compile until documented here. */
const SNAPSHOT_ROUTES: Record<SnapshotRoute, Operation> = {
  '/v1/hunts': {
    summary: 'Published hunts', tag: 'hunts', security: 'public',
    description: 'Newest start first; hunts without a start last, newest created first. Served from memory.',
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'HuntsIndex', 'the hunts index', SNAPSHOT_HEADERS)],
    errors: { ...UNAVAILABLE },
  },
  '/v1/hunts/:slug': {
    summary: 'A hunt with its clues and announcements', tag: 'hunts', security: 'public',
    description: 'Solve counts and first finders, never answers. A draft hunt is not found.',
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'HuntDetail', 'the hunt', SNAPSHOT_HEADERS)],
    errors: { ...NOT_FOUND, ...UNAVAILABLE },
  },
  '/v1/hunts/:slug/leaderboard': {
    summary: 'Ranked players, or teams in a team hunt', tag: 'hunts', security: 'public', paging: true,
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'Leaderboard', 'a window of the leaderboard', SNAPSHOT_HEADERS)],
    errors: { 400: ['invalid_query'], ...NOT_FOUND, ...UNAVAILABLE },
  },
  '/v1/hunts/:slug/feed': {
    summary: 'The latest finds and announcements', tag: 'hunts', security: 'public',
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'Feed', 'the feed, newest first', SNAPSHOT_HEADERS)],
    errors: { ...NOT_FOUND, ...UNAVAILABLE },
  },
  '/v1/hunts/:slug/events': {
    summary: 'Server-sent events: what changed in the hunt', tag: 'hunts', security: 'public',
    description: 'Open until the client leaves. Each install of the hunt\'s documents is one `update` event, '
      + '`id:` the global publish sequence (resume anywhere with Last-Event-ID) and `data:` '
      + '`{"seq", "documents": ["hunt"|"leaderboard"|"feed"|"progress"|"team", ...], "competitors": [id, ...]}`; '
      + 'keep-alive comments every 15 s. Events carry no document: re-fetch what you show, with If-None-Match.',
    ok: [{
      status: 200, description: 'the event stream', headers: ['NoStoreCacheControl'],
      media: { type: 'text/event-stream', schema: { type: 'string', pattern: '^retry: [0-9]+\n\n' } },
    }],
    errors: { ...NOT_FOUND, ...UNAVAILABLE },
  },
  '/v1/hunts/:slug/players/:playerId': {
    summary: 'A player\'s rank, points and finds in a hunt', tag: 'hunts', security: 'public',
    description: 'In a team hunt, the player\'s team\'s. A hidden participant\'s is withdrawn (404).',
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'Progress', 'the player\'s progress', SNAPSHOT_HEADERS)],
    errors: { 400: ['invalid_query'], ...NOT_FOUND, ...UNAVAILABLE },
  },
  '/v1/hunts/:slug/teams/:teamId': {
    summary: 'A team of a team hunt', tag: 'teams', security: 'public',
    conditional: SNAPSHOT_HEADERS,
    ok: [json(200, 'Team', 'the team', SNAPSHOT_HEADERS)],
    errors: { ...NOT_FOUND, ...UNAVAILABLE },
  },
};

/** Every other route: method and path as app.ts (express) and server.ts register them. */
const ROUTES: Record<string, Partial<Record<Method, Operation>>> = {
  [OWN_VIEW_ROUTE]: {
    get: {
      summary: 'The player\'s own view of a hunt', tag: 'players', security: 'player',
      description: 'Clue texts and hints as unlocked and taken by the player\'s competitor; live while the hunt is frozen.',
      conditional: ['ETag', 'PrivateCacheControl'],
      ok: [json(200, 'OwnView', 'the own view', ['ETag', 'PrivateCacheControl'])],
      errors: { ...PLAYER, ...NOT_FOUND },
    },
  },
  '/v1/players': {
    post: {
      summary: 'Register a player', tag: 'players', security: 'public',
      body: { schema: 'RegisterPlayerBody' },
      ok: [json(201, 'RegisteredPlayer', 'registered; the token is shown only here')],
      errors: { ...BODY_ERRORS, 409: ['handle_taken'], 429: ['rate_limited'], ...UNAVAILABLE },
    },
  },
  '/v1/me/transfer-codes': {
    post: {
      summary: 'A code to move to another device', tag: 'players', security: 'player',
      description: 'Single-use, valid 10 minutes; asking again replaces the player\'s unused code. No body, or {}.',
      body: { schema: 'CreateTransferCodeBody', optional: true },
      ok: [json(201, 'TransferCode', 'the code')],
      errors: { ...PLAYER, ...BODY_ERRORS },
    },
  },
  '/v1/players/claim': {
    post: {
      summary: 'Claim a transfer code: a new token for its player', tag: 'players', security: 'public',
      body: { schema: 'ClaimTransferCodeBody' },
      ok: [json(200, 'RegisteredPlayer', 'a new token for the code\'s player')],
      errors: { ...BODY_ERRORS, 404: ['not_found'], 429: ['rate_limited'], ...UNAVAILABLE },
    },
  },
  '/v1/hunts/:slug/teams': {
    post: {
      summary: 'Create a team (the creator is its first member)', tag: 'teams', security: 'player',
      body: { schema: 'CreateTeamBody' },
      ok: [json(201, 'CreatedTeam', 'the team, with its join code')],
      errors: { ...PLAYER, ...BODY_ERRORS, ...NOT_FOUND, 409: ['not_team_hunt', 'already_in_team', 'team_name_taken'] },
    },
  },
  '/v1/hunts/:slug/teams/join': {
    post: {
      summary: 'Join a team by its code', tag: 'teams', security: 'player',
      body: { schema: 'JoinTeamBody' },
      ok: [json(200, 'JoinedTeam', 'joined')],
      errors: { ...PLAYER, ...BODY_ERRORS, ...NOT_FOUND, 409: ['not_team_hunt', 'already_in_team', 'team_full'] },
    },
  },
  '/v1/hunts/:slug/teams/leave': {
    post: {
      summary: 'Leave one\'s team (its finds stay with it)', tag: 'teams', security: 'player',
      ok: [noContent('left')],
      errors: { ...PLAYER, ...NOT_FOUND, 409: ['not_team_hunt', 'team_required'] },
    },
  },
  '/v1/hunts/:slug/clues/:clueId/answers': {
    post: {
      summary: 'Answer a clue', tag: 'players', security: 'player',
      body: { schema: 'SubmitAnswerBody' },
      ok: [json(200, 'AnswerResult', 'judged (a wrong answer too)')],
      errors: {
        ...PLAYER, ...BODY_ERRORS, 400: ['invalid_body', 'invalid_query'], ...NOT_FOUND,
        409: ['hunt_not_live', 'team_required', 'clue_locked'], 429: ['rate_limited'],
      },
    },
  },
  '/v1/hunts/:slug/clues/:clueId/hints/:n': {
    post: {
      summary: 'Take hint n of a clue', tag: 'players', security: 'player',
      description: 'Bought once for the competitor; a hint already taken is returned again for nothing. No body, or {}.',
      body: { schema: 'TakeHintBody', optional: true },
      ok: [json(200, 'TakenHint', 'the hint')],
      errors: {
        ...PLAYER, ...BODY_ERRORS, 400: ['invalid_body', 'invalid_query'], ...NOT_FOUND,
        409: ['hunt_not_live', 'team_required', 'clue_locked', 'already_found', 'hint_locked'],
      },
    },
  },
  '/v1/admin/hunts': {
    get: {
      summary: 'Every hunt, drafts included', tag: 'admin', security: 'admin',
      ok: [json(200, 'AdminHuntList', 'newest created first')],
      errors: { ...ADMIN },
    },
    post: {
      summary: 'Create a hunt with its clues and accepted answers', tag: 'admin', security: 'admin',
      body: { schema: 'CreateHuntBody' },
      ok: [json(201, 'CreatedHunt', 'created')],
      errors: { ...ADMIN, ...BODY_ERRORS, 409: ['slug_taken'] },
    },
  },
  '/v1/admin/hunts/:slug': {
    get: {
      summary: 'A hunt\'s definition, as create takes it, plus ids (never the answers)', tag: 'admin', security: 'admin',
      ok: [json(200, 'HuntDefinition', 'the definition')],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
    patch: {
      summary: 'Change a hunt\'s status, window, freeze or bonuses', tag: 'admin', security: 'admin',
      body: { schema: 'PatchHuntBody' },
      ok: [json(200, 'PatchedHunt', 'the hunt as changed')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND, 409: ['invalid_transition'] },
    },
  },
  '/v1/admin/refresh': {
    post: {
      summary: 'Refresh one hunt, every hunt, or the organiser stats', tag: 'admin', security: 'admin',
      body: { schema: 'RefreshBody', optional: true },
      ok: [json(202, 'RefreshJobCreated', 'the job (a trigger coalesced into a waiting job gets its id)')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND },
    },
  },
  '/v1/admin/jobs/:id': {
    get: {
      summary: 'A refresh job\'s state', tag: 'admin', security: 'admin',
      ok: [json(200, 'Job', 'the job')],
      errors: { ...ADMIN, 400: ['invalid_query'], ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/teams/:teamId/members/:playerId': {
    delete: {
      summary: 'Remove a member from a team', tag: 'admin', security: 'admin',
      ok: [noContent('removed')],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/leaderboard': {
    get: {
      summary: 'The live standings, frozen or not', tag: 'admin', security: 'admin', paging: true,
      ok: [json(200, 'Leaderboard', 'in the public leaderboard\'s shape (version 0: not a published document)')],
      errors: { ...ADMIN, 400: ['invalid_query'], ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/adjustments': {
    post: {
      summary: 'An award or penalty for a competitor', tag: 'admin', security: 'admin',
      body: { schema: 'AdjustmentBody' },
      ok: [json(201, 'CreatedAdjustment', 'recorded')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/announcements': {
    post: {
      summary: 'Announce something to the players', tag: 'admin', security: 'admin',
      body: { schema: 'AnnouncementBody' },
      ok: [json(201, 'CreatedAnnouncement', 'announced')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/announcements/:id': {
    delete: {
      summary: 'Withdraw an announcement', tag: 'admin', security: 'admin',
      ok: [noContent('withdrawn')],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/clues/:clueId': {
    patch: {
      summary: 'Fix a clue: texts, points, more accepted answers (re-judging stored guesses)', tag: 'admin', security: 'admin',
      body: { schema: 'PatchClueBody' },
      ok: [json(200, 'EditedClue', 'the clue as in the definition, and how many competitors were credited')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/competitors/:competitorId': {
    patch: {
      summary: 'Hide a competitor from public reads, or show it again', tag: 'admin', security: 'admin',
      body: { schema: 'ModerateCompetitorBody' },
      ok: [json(200, 'CompetitorVisibility', 'done')],
      errors: { ...ADMIN, ...BODY_ERRORS, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/stats': {
    get: {
      summary: 'The hunt\'s organiser stats, as of the last stats refresh', tag: 'admin', security: 'admin',
      ok: [json(200, 'HuntStats', 'the stats (generatedAt null before the first stats refresh)')],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/bigboard': {
    get: {
      summary: 'Every competitor against every clue', tag: 'admin', security: 'admin',
      ok: [json(200, 'Bigboard', 'the big board')],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
  },
  '/v1/admin/hunts/:slug/standings.csv': {
    get: {
      summary: 'The live standings as CSV, streamed', tag: 'admin', security: 'admin',
      description: 'CRLF line ends, RFC 4180 quoting; a name starting with = + - @, a tab or a carriage return gets a leading \'.',
      ok: [{
        status: 200, description: 'the standings', headers: PRIVATE,
        media: { type: 'text/csv', schema: { type: 'string', pattern: `^${CSV_HEADER.replace('\r\n', '\\r\\n')}` } },
      }],
      errors: { ...ADMIN, ...NOT_FOUND },
    },
  },
  '/healthz': {
    get: { summary: 'Liveness', tag: 'operations', security: 'public', ok: [{ status: 200, description: 'alive', json: 'Health', headers: [] }], errors: {} },
  },
  '/readyz': {
    get: {
      summary: 'Readiness, and the database\'s state', tag: 'operations', security: 'public',
      ok: [json(200, 'Ready', 'snapshots loaded', ['NoStoreCacheControl'])],
      // Not the error shape alone: the readiness fields come along.
      errors: {},
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics', tag: 'operations', security: 'metrics',
      ok: [{ status: 200, description: 'the metrics, Prometheus text format', headers: [], media: { type: 'text/plain', schema: { type: 'string' } } }],
      errors: { 401: ['unauthorized'] },
    },
  },
  '/openapi.json': {
    get: {
      summary: 'This document', tag: 'operations', security: 'public',
      conditional: ['ETag', 'DocumentCacheControl'],
      ok: [{
        status: 200, description: 'the OpenAPI document', headers: ['ETag', 'DocumentCacheControl'],
        media: {
          type: 'application/json',
          schema: {
            type: 'object', required: ['openapi', 'info', 'paths'],
            properties: { openapi: { type: 'string', const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
          },
        },
      }],
      errors: {},
    },
  },
};

/** Every route the document describes, as the servers register them (`:param` paths). */
export function documentedRoutes(): { method: Method; path: string }[] {
  return [
    ...Object.keys(SNAPSHOT_ROUTES).map((path) => ({ method: 'get' as const, path })),
    ...Object.entries(ROUTES).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method: method as Method, path }))),
  ];
}

const PATH_PARAMETERS: Record<string, { description: string; schema: object }> = {
  slug: { description: 'the hunt\'s slug', schema: { type: 'string', pattern: requests.SLUG.source } },
  clueId: { description: 'a clue id', schema: { $ref: '#/components/schemas/Uuid' } },
  playerId: { description: 'a player id (any case)', schema: { $ref: '#/components/schemas/Uuid' } },
  teamId: { description: 'a team id', schema: { $ref: '#/components/schemas/Uuid' } },
  competitorId: { description: 'a competitor id: a player\'s in a solo hunt, a team\'s in a team hunt', schema: { $ref: '#/components/schemas/Uuid' } },
  id: { description: 'the id', schema: { $ref: '#/components/schemas/Uuid' } },
  n: { description: 'the hint\'s number, from 1', schema: { type: 'integer', minimum: 1 } },
};

const HEADERS: Record<HeaderName, { name: string; description: string; required: boolean; schema: object }> = {
  ETag: { name: 'ETag', description: 'strong validator of the bytes; send it back as If-None-Match', required: true, schema: { type: 'string', pattern: '^"[^"]+"$' } },
  XSnapshotVersion: { name: 'X-Snapshot-Version', description: 'the version of the document served', required: true, schema: { type: 'integer', minimum: 0 } },
  XSnapshotAgeMs: { name: 'X-Snapshot-Age-Ms', description: 'milliseconds since the worker generated the document', required: true, schema: { type: 'integer', minimum: 0 } },
  XSnapshotStale: {
    name: 'X-Snapshot-Stale', description: 'present while the database is unreachable: the last document held, maybe behind',
    required: false, schema: { type: 'string', const: 'true' },
  },
  PublicCacheControl: { name: 'Cache-Control', description: 'public documents change within a second', required: true, schema: { type: 'string', const: 'public, max-age=1' } },
  PrivateCacheControl: { name: 'Cache-Control', description: 'authenticated and personal: never stored', required: true, schema: { type: 'string', const: 'private, no-store' } },
  NoStoreCacheControl: { name: 'Cache-Control', description: 'never stored', required: true, schema: { type: 'string', const: 'no-store' } },
  DocumentCacheControl: { name: 'Cache-Control', description: 'changes only with a deploy', required: true, schema: { type: 'string', const: 'public, max-age=300' } },
  RetryAfter: { name: 'Retry-After', description: 'seconds to wait before trying again', required: true, schema: { type: 'integer', minimum: 1 } },
  WWWAuthenticate: { name: 'WWW-Authenticate', description: 'the scheme to authenticate with', required: true, schema: { type: 'string', const: 'Bearer' } },
  XRequestId: {
    name: 'X-Request-Id', description: 'the request\'s id in the logs: the caller\'s X-Request-Id when it is a plain token, else a new one',
    required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' },
  },
};

const SECURITY: Record<Security, object[] | undefined> = {
  public: undefined,
  player: [{ playerToken: [] }],
  admin: [{ adminToken: [] }],
  // Open when METRICS_TOKEN is unset.
  metrics: [{ metricsToken: [] }, {}],
};

const STATUS_TEXT: Record<number, string> = {
  400: 'a malformed request', 401: 'a missing or unknown bearer token', 404: 'not found', 409: 'a conflict with the current state',
  413: 'the body is too large', 415: 'the body is not UTF-8 JSON', 429: 'too many requests: wait Retry-After seconds',
  500: 'a bug', 503: 'unavailable: the database is unreachable or too slow, or a lookup past the budget; wait Retry-After seconds',
};

const ref = (kind: 'schemas' | 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

/** Response headers; every response express sends (all but the fast path's) carries X-Request-Id. */
function headerMap(names: readonly HeaderName[], express: boolean): Record<string, object> | undefined {
  const all = express ? [...names, 'XRequestId' as const] : names;
  if (all.length === 0) return undefined;
  return Object.fromEntries(all.map((name) => [HEADERS[name].name, ref('headers', name)]));
}

function errorResponse(status: number, codes: readonly ErrorCode[], express: boolean): object {
  const headers: HeaderName[] = ['NoStoreCacheControl'];
  if (status === 401) headers.push('WWWAuthenticate');
  if (status === 429 || status === 503) headers.push('RetryAfter');
  return {
    description: `${STATUS_TEXT[status] ?? 'an error'}: ${codes.join(', ')}`,
    headers: headerMap(headers, express),
    content: {
      'application/json': {
        schema: { type: 'object', allOf: [ref('schemas', 'Error')], properties: { error: { enum: [...codes] } } },
      },
    },
  };
}

/** `express`: served by app.ts rather than on the fast path (server.ts). */
function operation(path: string, method: Method, op: Operation, express: boolean): object {
  const parameters: object[] = [...path.matchAll(/:([A-Za-z]+)/g)].map(([, name]) => {
    const known = PATH_PARAMETERS[name!];
    if (!known) throw new Error(`openapi.ts: path parameter ${name} of ${path} is not described in PATH_PARAMETERS`);
    return { name, in: 'path', required: true, ...known };
  });
  if (op.paging) {
    parameters.push(
      { name: 'limit', in: 'query', description: 'entries to return', schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: LEADERBOARD_PAGE_SIZE } },
      { name: 'offset', in: 'query', description: 'entries to skip', schema: { type: 'integer', minimum: 0, default: 0 } },
    );
  }
  if (op.conditional) parameters.push({ name: 'If-None-Match', in: 'header', description: 'the ETag of a copy held: 304 when unchanged', schema: { type: 'string' } });
  if (path.endsWith('/events')) {
    parameters.push({ name: 'Last-Event-ID', in: 'header', description: 'the last event id seen: resume from it', schema: { type: 'string' } });
  }
  const responsesObject: Record<string, object> = {};
  for (const ok of op.ok) {
    const content = ok.json ? { 'application/json': { schema: ref('schemas', ok.json) } }
      : ok.media ? { [ok.media.type]: { schema: ok.media.schema } } : undefined;
    responsesObject[String(ok.status)] = { description: ok.description, headers: headerMap(ok.headers, express), content };
  }
  if (op.conditional) responsesObject['304'] = { description: 'not modified: the copy held (If-None-Match) is current', headers: headerMap(op.conditional, express) };
  for (const [status, codes] of Object.entries(op.errors)) responsesObject[status] = errorResponse(Number(status), codes ?? [], express);
  if (path === '/readyz') {
    responsesObject['503'] = {
      description: 'not ready: snapshots still loading', headers: headerMap(['NoStoreCacheControl'], express),
      content: { 'application/json': { schema: ref('schemas', 'NotReady') } },
    };
  }
  responsesObject['500'] = errorResponse(500, ['internal'], express);
  const body = op.body && {
    required: !op.body.optional,
    description: op.body.optional ? 'optional: no body, or the object below' : undefined,
    content: { 'application/json': { schema: ref('schemas', op.body.schema) } },
  };
  return {
    operationId: `${method}${openApiPath(path).replace(/[{}]/g, '').split(/[/.-]/).map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('')}`,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    security: SECURITY[op.security],
    parameters: parameters.length > 0 ? parameters : undefined,
    requestBody: body,
    responses: responsesObject,
  };
}

/** JSON Schemas of a registry of zod schemas, referring to one another as components. */
function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, object> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: generated } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'throw' });
  // $schema is the document's dialect already, and $id is zod's name for the component (a fragment
  // is not a valid $id in draft 2020-12).
  return Object.fromEntries(Object.entries(generated).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

/** Drops undefined members (optional fields above), as JSON.stringify would, for a clean object. */
const clean = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  const add = (path: string, method: Method, op: Operation) => {
    const express = !(path in SNAPSHOT_ROUTES) && path !== OWN_VIEW_ROUTE;
    (paths[openApiPath(path)] ??= {})[method] = operation(path, method, op, express);
  };
  for (const [path, op] of Object.entries(SNAPSHOT_ROUTES)) add(path, 'get', op);
  for (const [path, ops] of Object.entries(ROUTES)) for (const [method, op] of Object.entries(ops)) add(path, method as Method, op);
  return clean({
    openapi: '3.1.0',
    info: {
      title: 'Treasure Hunt Engine',
      version: pkg.version,
      description: [
        'Public reads are served from memory and carry ETag, X-Snapshot-Version and X-Snapshot-Age-Ms; send the ETag back as If-None-Match for a 304.',
        'Errors are `{"error": code, "message": text}` with `Cache-Control: no-store`; a route not listed here answers 404 not_found '
          + '(under /v1/admin/, 401 unauthorized first without the admin token). GET routes also answer HEAD.',
        'Bodies are JSON, read only once the caller is checked: up to 1 KiB for hints, 4 KiB for registrations, transfer codes, '
          + 'team and answer bodies, 16 KiB for other admin writes and 1 MiB for a new hunt.',
      ].join('\n\n'),
    },
    tags: [
      { name: 'hunts', description: 'public reads, from memory' },
      { name: 'players', description: 'registration, answers, hints, the own view' },
      { name: 'teams', description: 'teams of a team hunt' },
      { name: 'admin', description: 'organisers (the admin token)' },
      { name: 'operations', description: 'health, metrics and this document' },
    ],
    paths,
    components: {
      schemas: { ...componentSchemas(RESPONSE_SCHEMAS, 'output'), ...componentSchemas(REQUEST_SCHEMAS, 'input') },
      headers: Object.fromEntries(Object.entries(HEADERS).map(([id, { name: _name, ...header }]) => [id, header])),
      securitySchemes: {
        playerToken: { type: 'http', scheme: 'bearer', description: 'a player\'s token, from POST /v1/players or POST /v1/players/claim' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'the ADMIN_TOKEN of the deployment' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the deployment sets one' },
      },
    },
  });
}

/** GET /openapi.json: the document, built now and kept as bytes; a matching If-None-Match is a 304. */
export function openApiHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  const body = Buffer.from(JSON.stringify(buildOpenApiDocument()));
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
  const headers = { 'etag': etag, 'cache-control': 'public, max-age=300' };
  return (req, res) => {
    // Compared here rather than by express (req.fresh), which ignores a validator sent with
    // Cache-Control: no-cache, as fetch sends one.
    const tags = req.headers['if-none-match']?.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (tags?.includes(etag) || tags?.includes('*')) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
