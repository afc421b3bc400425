// The express application: every route that is not a snapshot read (registration, answers,
// admin, health, metrics), with errors rendered in one place.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PgBoss } from 'pg-boss';
import type { Registry } from 'prom-client';
import type { AnswerHasher } from '../core/answer-hash.ts';
import type { TrustProxy } from '../core/config.ts';
import type { Pool } from '../core/db.ts';
import { one } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { bearerToken, hashToken, newToken, tokensEqual } from '../core/tokens.ts';
import { ApiError, httpErrorOf, notFound, sendError, unauthorized } from './api-error.ts';
import { adjust } from './adjustments.ts';
import { bigboard, statsDocument, streamStandingsCsv } from './admin-analytics.ts';
import { liveLeaderboard } from './admin-standings.ts';
import type { AnswerWriter } from './answer-submission.ts';
import { announce, withdrawAnnouncement } from './announcements.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { patchClue } from './clue-edits.ts';
import { takeHint } from './hints.ts';
import { createHunt, enqueueRefresh, getJob, patchHunt } from './hunt-admin.ts';
import { setCompetitorHidden } from './moderation.ts';
import { openApiHandler } from './openapi.ts';
import { huntDefinition, listHunts } from './organiser-reads.ts';
import type { PlayerDirectory, Player } from './player-directory.ts';
import { claimTransferCode, createTransferCode } from './player-transfer.ts';
import { addressKey, countInMinute } from './rate-window.ts';
import {
  SLUG, adjustmentBody, announcementBody, claimTransferCodeBody, createHuntBody, createTeamBody, createTransferCodeBody, joinTeamBody,
  moderateCompetitorBody, parseBody, patchClueBody, patchHuntBody, refreshBody, registerPlayerBody, submitAnswerBody, takeHintBody,
} from './request-schemas.ts';
import { parsePaging } from './snapshot-routes.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { createTeam, joinTeam, leaveTeam, removeMember, type MemberNotice } from './teams.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AppContext {
  pool: Pool;
  boss: PgBoss;
  store: SnapshotStore;
  players: PlayerDirectory;
  hasher: AnswerHasher;
  answers: AnswerWriter;
  adminToken: string;
  /** Bearer token /metrics requires; undefined: open. */
  metricsToken?: string | undefined;
  registry: Registry;
  metrics: ApiMetrics;
  registerRateLimit: number;
  /** Transfer-code claims per client address per minute. */
  claimRateLimit: number;
  /** Whose X-Forwarded-For to believe for client addresses (config.ts). */
  trustProxy: TrustProxy;
  log: Logger;
}

// Bodies are read per route, with its own limit, once the route knows its caller: a request
// refused before (a wrong token) never has its body read. Each limit stands well above the longest
// valid body (request-schemas.ts): an answer is at most 1,000 characters, 3 KB in UTF-8.
const BODY_LIMITS = { answer: 4 * 1024, register: 4 * 1024, transfer: 4 * 1024, team: 4 * 1024, hint: 1024, admin: 16 * 1024, createHunt: 1024 * 1024 } as const;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

const tooLarge = () => new ApiError(413, 'invalid_body', 'the body is too large');

/** A reader of JSON bodies up to `limit` bytes: the parsed body, undefined for none. */
function jsonBody(limit: number): (req: Request, res: Response) => Promise<unknown> {
  const parse = express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
  return (req, res) => new Promise((resolve, reject) => {
    // Announced past the limit: refused unread (express.json would read it all to discard it).
    if (Number(req.headers['content-length']) > limit) return reject(tooLarge());
    parse(req, res, (err?: unknown) => {
      if (err) reject(bodyError(err));
      // A body express.json left alone (another content type) is not an empty body.
      else if (req.body === undefined && hasBody(req)) reject(new ApiError(400, 'invalid_body', 'the body must be JSON (Content-Type: application/json)'));
      else resolve(req.body);
    });
  });
}

function bodyError(err: unknown): ApiError {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return tooLarge();
  if (type === 'entity.parse.failed') return new ApiError(400, 'invalid_body', 'the body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new ApiError(415, 'invalid_body', 'the body must be UTF-8 JSON');
  return new ApiError(400, 'invalid_body', 'the body could not be read');
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A slug path parameter; a malformed one cannot name a hunt. */
function slugParam(req: Request): string {
  const slug = param(req, 'slug');
  if (!SLUG.test(slug)) throw notFound('hunt');
  return slug;
}

function requireUuid(value: string, name: string): string {
  if (!UUID.test(value)) throw new ApiError(400, 'invalid_query', `${name} must be a UUID`);
  return value.toLowerCase();
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** A path id naming something (an announcement, a clue, ...): lower-cased, or 404 when it cannot name one. */
function idParam(req: Request, name: string, what: string): string {
  const value = param(req, name);
  if (!UUID.test(value)) throw notFound(what);
  return value.toLowerCase();
}

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every request express serves (all but the snapshot reads, which log nothing per request) has an
  // id: the caller's X-Request-Id when it is a plain token (a proxy's), else a new one; it is sent
  // back and carried by every log line written for the request.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    res.locals.log = ctx.log.child({ reqId: id });
    next();
  });
  const logOf = (res: Response): Logger => (res.locals.log as Logger | undefined) ?? ctx.log;
  // req.ip: with hops, the X-Forwarded-For entry the farthest trusted proxy appended; with
  // addresses, the nearest entry not written by one of them (express, proxy-addr).
  const trust = ctx.trustProxy;
  app.set('trust proxy', trust === false ? false : 'hops' in trust ? trust.hops : trust.addresses);
  app.set('etag', false);
  const answerBody = jsonBody(BODY_LIMITS.answer);
  const registerBody = jsonBody(BODY_LIMITS.register);
  const transferBody = jsonBody(BODY_LIMITS.transfer);
  const adminBody = jsonBody(BODY_LIMITS.admin);
  const teamBody = jsonBody(BODY_LIMITS.team);
  const hintBody = jsonBody(BODY_LIMITS.hint);
  const huntBody = jsonBody(BODY_LIMITS.createHunt);

  const privateResponse = (res: Response) => res.set('cache-control', 'private, no-store');

  const requirePlayer = async (req: Request): Promise<Player> => {
    const token = bearerToken(req.get('authorization'));
    if (!token) throw unauthorized();
    const player = await ctx.players.byBearer(token);
    if (!player) throw unauthorized();
    return player;
  };

  const requireAdmin = (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (!token || !tokensEqual(token, ctx.adminToken)) return next(unauthorized('the admin token is required'));
    next();
  };

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });

  app.get('/readyz', (_req, res) => {
    const body = {
      status: ctx.store.loaded ? 'ready' : 'starting',
      database: ctx.store.databaseUp ? 'up' : 'down',
      snapshots: { documents: ctx.store.documents.size, progressHeld: ctx.store.progress.size, seq: ctx.store.lastSeq },
    };
    if (ctx.store.loaded) res.set('cache-control', 'no-store').json(body);
    else res.status(503).set('cache-control', 'no-store').json({ error: 'unavailable', message: 'snapshots are still loading', ...body });
  });

  app.get('/metrics', async (req, res) => {
    if (ctx.metricsToken !== undefined) {
      const token = bearerToken(req.get('authorization'));
      if (!token || !tokensEqual(token, ctx.metricsToken)) throw unauthorized('the metrics token is required (METRICS_TOKEN)');
    }
    res.set('content-type', ctx.registry.contentType).send(await ctx.registry.metrics());
  });

  // The OpenAPI document (openapi.ts): built here, once, at start, and served from memory.
  app.get('/openapi.json', openApiHandler());

  app.post('/v1/players', async (req, res) => {
    const input = parseBody(registerPlayerBody, await registerBody(req, res));
    // Registrations per client address (an IPv6 one by its /64) per minute, counted in the
    // database (all processes), in a statement of its own: the address's rate_windows row is
    // locked only while that statement runs, not while the insert waits and commits (registrations
    // from one address queued on it, each holding a pooled connection), and a refused insert (409)
    // keeps its count.
    await countInMinute(ctx.pool, 'register', addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown'), ctx.registerRateLimit,
      `at most ${ctx.registerRateLimit} registrations per minute from one address`);
    const token = newToken();
    // A taken handle fails the insert with players_handle_key: 409 handle_taken (api-error.ts).
    const player = await one<{ id: string; handle: string }>(ctx.pool,
      `insert into players (handle, display_name, token_hash) values ($1, $2, $3) returning id, handle`,
      [input.handle, input.displayName ?? input.handle, hashToken(token)]);
    ctx.players.remember(player, hashToken(token));
    privateResponse(res).status(201).json({ id: player.id, handle: player.handle, token });
  });

  // Moving to another device: a code for the player (replacing any unused one of theirs), then a
  // new token for whoever claims it (player-transfer.ts).
  app.post('/v1/me/transfer-codes', async (req, res) => {
    const player = await requirePlayer(req);
    parseBody(createTransferCodeBody, (await transferBody(req, res)) ?? {});
    privateResponse(res).status(201).json(await createTransferCode(ctx.pool, player.id));
  });

  app.post('/v1/players/claim', async (req, res) => {
    const input = parseBody(claimTransferCodeBody, await transferBody(req, res));
    // Codes can be guessed one claim at a time: claims per client address per minute, counted in a
    // statement of their own before the claim (as registrations), so failed claims count too.
    await countInMinute(ctx.pool, 'claim', addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown'), ctx.claimRateLimit,
      `at most ${ctx.claimRateLimit} transfer code claims per minute from one address`);
    const claimed = await claimTransferCode(ctx.pool, input.code);
    if (!claimed) throw new ApiError(404, 'not_found', 'no such transfer code, or it was used or has expired');
    // Known here at once; other API processes load it within a poll (or look it up meanwhile).
    ctx.players.remember(claimed.player, claimed.tokenHash);
    privateResponse(res).json({ id: claimed.player.id, handle: claimed.player.handle, token: claimed.token });
  });

  // Teams of a team hunt (teams.ts). The body is read once the player is known.
  const showMember = (member: MemberNotice) => ctx.store.showMember(member);
  app.post('/v1/hunts/:slug/teams', async (req, res) => {
    const player = await requirePlayer(req);
    const input = parseBody(createTeamBody, await teamBody(req, res));
    privateResponse(res).status(201).json(await createTeam(ctx.pool, slugParam(req), player.id, input.name, showMember));
  });
  app.post('/v1/hunts/:slug/teams/join', async (req, res) => {
    const player = await requirePlayer(req);
    const input = parseBody(joinTeamBody, await teamBody(req, res));
    privateResponse(res).json(await joinTeam(ctx.pool, slugParam(req), player.id, input.joinCode, showMember));
  });
  app.post('/v1/hunts/:slug/teams/leave', async (req, res) => {
    const player = await requirePlayer(req);
    await leaveTeam(ctx.pool, slugParam(req), player.id, showMember);
    privateResponse(res).status(204).end();
  });

  app.post('/v1/hunts/:slug/clues/:clueId/answers', async (req, res) => {
    try {
      const player = await requirePlayer(req);
      const input = parseBody(submitAnswerBody, await answerBody(req, res));
      const slug = slugParam(req);
      const clueId = requireUuid(param(req, 'clueId'), 'clueId');
      const { result, change } = await ctx.answers.submit({ slug, clueId, playerId: player.id, handle: player.handle, answer: input.answer });
      ctx.metrics.answer(!result.correct ? 'wrong' : result.alreadyFound ? 'already_found' : 'find', slug);
      // Read-your-writes: this process shows the find at once; the NOTIFY, sent with its batch
      // before we answer, brings it to every other API process (and the refresh to the worker).
      if (change?.find) ctx.store.showFind(change.find);
      privateResponse(res).json(result);
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) ctx.metrics.answer(err.status === 429 ? 'rate_limited' : 'rejected');
      throw err;
    }
  });

  // Taking a hint (hints.ts): no input beyond the path (no body, or {}); n is 1-based.
  app.post('/v1/hunts/:slug/clues/:clueId/hints/:n', async (req, res) => {
    const player = await requirePlayer(req);
    parseBody(takeHintBody, (await hintBody(req, res)) ?? {});
    // Any positive integer (one past a clue's hints is a 404, however large).
    const n = param(req, 'n');
    if (!/^[0-9]+$/.test(n) || /^0+$/.test(n)) throw new ApiError(400, 'invalid_query', 'n must be a positive integer (hints are numbered from 1)');
    const clueId = requireUuid(param(req, 'clueId'), 'clueId');
    const slug = slugParam(req);
    const { notice, ...taken } = await takeHint(ctx.pool, { slug, clueId, n: Number(n), playerId: player.id, handle: player.handle });
    // Read-your-writes: this process shows the hint at once; the NOTIFY brings it to the others.
    if (notice) ctx.store.showHint(notice);
    privateResponse(res).json(taken);
  });

  const admin = express.Router();
  admin.use(requireAdmin);
  admin.post('/hunts', async (req, res) => {
    const input = parseBody(createHuntBody, await huntBody(req, res));
    privateResponse(res).status(201).json(await createHunt(ctx.pool, ctx.hasher, input));
  });
  admin.patch('/hunts/:slug', async (req, res) => {
    const input = parseBody(patchHuntBody, await adminBody(req, res));
    privateResponse(res).json(await patchHunt(ctx.pool, slugParam(req), input));
  });
  admin.post('/refresh', async (req, res) => {
    // An empty body means "rebuild everything".
    const input = parseBody(refreshBody, (await adminBody(req, res)) ?? {});
    privateResponse(res).status(202).json({ jobId: await enqueueRefresh(ctx.pool, ctx.boss, input.hunt, input.stats === true) });
  });
  admin.delete('/hunts/:slug/teams/:teamId/members/:playerId', async (req, res) => {
    await removeMember(ctx.pool, slugParam(req), idParam(req, 'teamId', 'member'), idParam(req, 'playerId', 'member'), showMember);
    privateResponse(res).status(204).end();
  });
  // The live standings, frozen or not (admin-standings.ts).
  admin.get('/hunts/:slug/leaderboard', async (req, res) => {
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    privateResponse(res).json(await liveLeaderboard(ctx.pool, slugParam(req), parsePaging(query)));
  });
  // Awards and penalties (adjustments.ts): re-ranked by the next refresh.
  admin.post('/hunts/:slug/adjustments', async (req, res) => {
    const input = parseBody(adjustmentBody, await adminBody(req, res));
    privateResponse(res).status(201).json(await adjust(ctx.pool, slugParam(req), { ...input, competitorId: input.competitorId.toLowerCase() }));
  });
  // Announcements (announcements.ts): in the hunt document and its feed after the next refresh.
  admin.post('/hunts/:slug/announcements', async (req, res) => {
    const input = parseBody(announcementBody, await adminBody(req, res));
    privateResponse(res).status(201).json(await announce(ctx.pool, slugParam(req), input));
  });
  admin.delete('/hunts/:slug/announcements/:id', async (req, res) => {
    await withdrawAnnouncement(ctx.pool, slugParam(req), idParam(req, 'id', 'announcement'));
    privateResponse(res).status(204).end();
  });
  // Organisers' own view of their hunts (organiser-reads.ts): every hunt, drafts included, and a
  // hunt's full definition (never its answers).
  admin.get('/hunts', async (_req, res) => {
    privateResponse(res).json(await listHunts(ctx.pool));
  });
  admin.get('/hunts/:slug', async (req, res) => {
    privateResponse(res).json(await huntDefinition(ctx.pool, ctx.hasher, slugParam(req)));
  });
  // Fixing a clue (clue-edits.ts): added answers re-judge its stored guesses.
  admin.patch('/hunts/:slug/clues/:clueId', async (req, res) => {
    const input = parseBody(patchClueBody, await adminBody(req, res));
    privateResponse(res).json(await patchClue(ctx.pool, ctx.hasher, slugParam(req), idParam(req, 'clueId', 'clue'), input));
  });
  // Hiding a competitor from public reads, or showing it again (moderation.ts).
  admin.patch('/hunts/:slug/competitors/:competitorId', async (req, res) => {
    const input = parseBody(moderateCompetitorBody, await adminBody(req, res));
    privateResponse(res).json(await setCompetitorHidden(ctx.pool, slugParam(req), idParam(req, 'competitorId', 'competitor'), input.hidden));
  });
  // Organiser analytics (admin-analytics.ts): precomputed by the stats-refresh job, never aggregated per request.
  admin.get('/hunts/:slug/stats', async (req, res) => {
    privateResponse(res).type('application/json').send(await statsDocument(ctx.pool, slugParam(req)));
  });
  admin.get('/hunts/:slug/bigboard', async (req, res) => {
    privateResponse(res).json(await bigboard(ctx.pool, slugParam(req)));
  });
  admin.get('/hunts/:slug/standings.csv', async (req, res) => {
    await streamStandingsCsv(ctx.pool, slugParam(req), res, logOf(res));
  });
  admin.get('/jobs/:id', async (req, res) => {
    const id = requireUuid(param(req, 'id'), 'id');
    privateResponse(res).json(await getJob(ctx.boss, id));
  });
  app.use('/v1/admin', admin);

  app.use((_req, _res, next) => next(notFound('route')));

  // The one place errors become responses.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // A body not read (refused before it mattered, or announced too large) is not read after the
    // response either: the connection closes instead of taking it in to reach the next request.
    if (!req.complete) res.setHeader('connection', 'close');
    const known = httpErrorOf(err);
    if (known) return sendError(res, known);
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, bodyError(err));
    logOf(res).error('unhandled error', { err, method: req.method, route: req.route?.path ?? 'unmatched' });
    return sendError(res, new ApiError(500, 'internal', 'internal error'));
  });

  return app;
}
