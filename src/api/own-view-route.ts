// GET /v1/me/hunts/:slug on node:http directly, like the snapshot routes: a player's own view is
// read as often as the leaderboard (every page a player opens polls it), so it is not sent through
// express. The player is known from the bearer token's hash (player-directory.ts) and the view is
// assembled from held documents (own-view.ts); private, never cached by anyone between.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../core/tokens.ts';
import { httpErrorOf, sendError, unauthorized, unavailable } from './api-error.ts';
import type { OwnViews, RenderedOwnView } from './own-view.ts';
import type { PlayerDirectory } from './player-directory.ts';
import { sendTagged } from './snapshot-routes.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export interface OwnViewContext { store: SnapshotStore; players: PlayerDirectory; views: OwnViews }

export const OWN_VIEW_ROUTE = '/v1/me/hunts/:slug';
const PREFIX = '/v1/me/hunts/';

/** The hunt's slug when the path is an own view's, else undefined. */
export function matchOwnViewRoute(path: string): string | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const slug = path.slice(PREFIX.length);
  if (slug === '' || slug.includes('/')) return undefined;
  try { return decodeURIComponent(slug); } catch { return slug; }
}

/** Answers the own view; a promise only when the player's token or documents must be read from the database. */
export function serveOwnView(ctx: OwnViewContext, req: IncomingMessage, res: ServerResponse, slug: string): void | Promise<void> {
  const fail = (err: unknown) => {
    const known = httpErrorOf(err);
    if (!known) throw err;
    sendError(res, known);
  };
  try {
    if (!ctx.store.loaded) throw unavailable('snapshots are still loading');
    const token = bearerToken(req.headers.authorization);
    if (!token) throw unauthorized();
    const player = ctx.players.heldBearer(token);
    if (player) return settle(ctx.views.render(player, slug), req, res, fail);
    // A token this process has not seen yet (just registered elsewhere, or claimed): looked up once.
    return ctx.players.byBearer(token).then((found) => {
      if (!found) throw unauthorized();
      return settle(ctx.views.render(found, slug), req, res, fail);
    }).catch(fail);
  } catch (err) {
    fail(err);
  }
}

function settle(
  rendered: RenderedOwnView | Promise<RenderedOwnView>, req: IncomingMessage, res: ServerResponse, fail: (err: unknown) => void,
): void | Promise<void> {
  if (rendered instanceof Promise) return rendered.then((r) => send(req, res, r), fail);
  send(req, res, rendered);
}

function send(req: IncomingMessage, res: ServerResponse, rendered: RenderedOwnView): void {
  sendTagged(req, res, rendered, { 'etag': rendered.etag, 'cache-control': 'private, no-store' });
}
