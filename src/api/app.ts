// The express application: every route that is not a snapshot read (registration, answers,
// admin, health, metrics), with errors rendered in one place.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PgBoss } from 'pg-boss';
import type { Registry } from 'prom-client';
import type { AnswerHasher } from '../core/answer-hash.ts';
import type { Pool } from '../core/db.ts';
import { isConnectionError, one, withTransaction } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { bearerToken, hashToken, newToken, tokensEqual } from '../core/tokens.ts';
import { ApiError, notFound, sendError, unauthorized, unavailable } from './api-error.ts';
import type { AnswerWriter } from './answer-submission.ts';
import { countInMinute } from './rate-window.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { createHunt, enqueueRefresh, getJob, patchHunt } from './hunt-admin.ts';
import type { PlayerDirectory, Player } from './player-directory.ts';
import {
  SLUG, createHuntBody, parseBody, patchHuntBody, refreshBody, registerPlayerBody, submitAnswerBody,
} from './request-schemas.ts';
import type { SnapshotStore } from './snapshot-store.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AppContext {
  pool: Pool;
  boss: PgBoss;
  store: SnapshotStore;
  players: PlayerDirectory;
  hasher: AnswerHasher;
  answers: AnswerWriter;
  adminToken: string;
  registry: Registry;
  metrics: ApiMetrics;
  registerRateLimit: number;
  /** Client addresses from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy: boolean;
  log: Logger;
}

const bodyErrors = new WeakMap<Request, ApiError>();

function bodyError(err: unknown): ApiError {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return new ApiError(413, 'invalid_body', 'the body is too large');
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

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.trustProxy);
  app.set('etag', false);
  // A body that cannot be read is remembered, not answered at once: each route decides when it
  // matters (the answers route checks the token first, as its contract says).
  const json = express.json({ limit: '256kb', strict: true, type: ['application/json', 'application/*+json'] });
  app.use((req, res, next) => json(req, res, (err?: unknown) => {
    if (err) bodyErrors.set(req, bodyError(err));
    // A body express.json left alone (another content type) is not an empty body.
    else if (req.body === undefined && hasBody(req)) {
      bodyErrors.set(req, new ApiError(400, 'invalid_body', 'the body must be JSON (Content-Type: application/json)'));
    }
    next();
  }));
  const body = (req: Request): unknown => {
    const err = bodyErrors.get(req);
    if (err) throw err;
    return req.body;
  };

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

  app.get('/metrics', async (_req, res) => {
    res.set('content-type', ctx.registry.contentType).send(await ctx.registry.metrics());
  });

  app.post('/v1/players', async (req, res) => {
    const input = parseBody(registerPlayerBody, body(req));
    const token = newToken();
    try {
      const player = await withTransaction(ctx.pool, async (tx) => {
        // Registrations per client address per minute, counted in the database (all processes).
        await countInMinute(tx, 'register', req.ip ?? req.socket.remoteAddress ?? 'unknown', ctx.registerRateLimit,
          `at most ${ctx.registerRateLimit} registrations per minute from one address`);
        return one<{ id: string; handle: string }>(tx,
          `insert into players (handle, display_name, token_hash) values ($1, $2, $3) returning id, handle`,
          [input.handle, input.displayName ?? input.handle, hashToken(token)]);
      });
      ctx.players.remember(player);
      privateResponse(res).status(201).json({ id: player.id, handle: player.handle, token });
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'players_handle_key') {
        throw new ApiError(409, 'handle_taken', `the handle "${input.handle}" is taken`);
      }
      throw err;
    }
  });

  app.post('/v1/hunts/:slug/clues/:clueId/answers', async (req, res) => {
    try {
      const player = await requirePlayer(req);
      const input = parseBody(submitAnswerBody, body(req));
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

  const admin = express.Router();
  admin.use(requireAdmin);
  admin.post('/hunts', async (req, res) => {
    const input = parseBody(createHuntBody, body(req));
    privateResponse(res).status(201).json(await createHunt(ctx.pool, ctx.hasher, input));
  });
  admin.patch('/hunts/:slug', async (req, res) => {
    const input = parseBody(patchHuntBody, body(req));
    privateResponse(res).json(await patchHunt(ctx.pool, slugParam(req), input));
  });
  admin.post('/refresh', async (req, res) => {
    // An empty body means "rebuild everything".
    const input = parseBody(refreshBody, body(req) ?? {});
    privateResponse(res).status(202).json({ jobId: await enqueueRefresh(ctx.pool, ctx.boss, input.hunt) });
  });
  admin.get('/jobs/:id', async (req, res) => {
    const id = requireUuid(param(req, 'id'), 'id');
    privateResponse(res).json(await getJob(ctx.boss, id));
  });
  app.use('/v1/admin', admin);

  app.use((_req, _res, next) => next(notFound('route')));

  // The one place errors become responses.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) return sendError(res, err);
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, bodyError(err));
    if (isConnectionError(err)) return sendError(res, unavailable());
    // Text PostgreSQL cannot store (a backstop: schemas refuse NUL already).
    const code = (err as { code?: string }).code;
    if (code === '22021' || code === '22P05') return sendError(res, new ApiError(400, 'invalid_body', 'the request contains characters that cannot be stored'));
    ctx.log.error('unhandled error', { err });
    return sendError(res, new ApiError(500, 'internal', 'internal error'));
  });

  return app;
}
