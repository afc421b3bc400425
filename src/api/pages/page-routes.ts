// The web app's routes on node:http, like the snapshot routes: every public page is made from
// documents held in memory, once per version (page-cache.ts), and served from memory. A hunt
// page's parts are also served alone (`/hunts/:slug/detail`, `/leaderboard?page=N`, `/feed`):
// the page's script re-fetches them on live updates, with If-None-Match. Players' own parts
// (their clues, points, team) are fetched by the script from the JSON API with the token the
// browser keeps; the organiser console is a page its script fills from the admin API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { docKeys, type FeedContent, type HuntDetailContent, type HuntsIndexContent } from '../../core/documents.ts';
import type { ServedDocument } from '../served-document.ts';
import type { SnapshotStore } from '../snapshot-store.ts';
import { adminPage } from './admin-page.ts';
import { ASSETS_PREFIX, type Assets } from './assets.ts';
import { feedPart } from './feed-part.ts';
import { huntDetailPart } from './hunt-detail-part.ts';
import { huntPage } from './hunt-page.ts';
import { huntsPage } from './hunts-page.ts';
import { leaderboardPart, pageCount } from './leaderboard-part.ts';
import { messagePage } from './message-page.ts';
import { PageCache } from './page-cache.ts';
import { sendPage } from './page-response.ts';

export type PageRoute = '/' | '/hunts/:slug' | '/hunts/:slug/detail' | '/hunts/:slug/leaderboard' | '/hunts/:slug/feed'
  | '/admin' | '/assets/:file';

export interface PageMatch { route: PageRoute; slug?: string }

const HUNT_PREFIX = '/hunts/';
const NO_HUNTS: HuntsIndexContent = { hunts: [] };
const HUNT_PARTS: Record<string, PageRoute> = {
  detail: '/hunts/:slug/detail', leaderboard: '/hunts/:slug/leaderboard', feed: '/hunts/:slug/feed',
};

export function matchPageRoute(path: string): PageMatch | undefined {
  if (path === '/') return { route: '/' };
  if (path === '/admin' || path === '/admin/') return { route: '/admin' };
  if (path.startsWith(ASSETS_PREFIX)) return { route: '/assets/:file' };
  if (path.startsWith(HUNT_PREFIX)) {
    const [slug, part, ...rest] = path.slice(HUNT_PREFIX.length).split('/');
    if (!slug || rest.length > 0) return undefined;
    const route = part === undefined ? '/hunts/:slug' : HUNT_PARTS[part];
    if (!route) return undefined;
    try { return { route, slug: decodeURIComponent(slug) }; } catch { return undefined; }
  }
  return undefined;
}

/**
 * A document's content, parsed for one render. Not kept (as the own view keeps what it parses):
 * a page is made once per version, and 200 hunts' parsed details and feeds held as long as their
 * documents were 13 MiB of heap.
 */
const contentOf = <T>(doc: ServedDocument): T => JSON.parse(doc.body.toString('utf8')) as T;

/** `?page=N` of a request URL (1 when absent or malformed), within the board's pages. */
function leaderboardPage(url: string, pages: number): number {
  const q = url.indexOf('?');
  if (q === -1) return 1; // the common case, parsed for free
  const n = Number(new URLSearchParams(url.slice(q + 1)).get('page'));
  return Number.isSafeInteger(n) ? Math.min(Math.max(n, 1), pages) : 1;
}

export class Pages {
  private readonly cache = new PageCache();
  private readonly store: SnapshotStore;
  readonly assets: Assets;

  constructor(store: SnapshotStore, assets: Assets) {
    this.store = store;
    this.assets = assets;
  }

  serve(req: IncomingMessage, res: ServerResponse, match: PageMatch): void {
    const { store, assets, cache } = this;
    switch (match.route) {
      case '/assets/:file': {
        const path = (req.url ?? '').split('?')[0]!;
        if (!assets.serve(req, res, path)) this.notFound(req, res, 'There is no such file.');
        return;
      }
      case '/': {
        if (!store.loaded) return this.unavailable(req, res);
        const index = store.get(docKeys.huntsIndex());
        return sendPage(req, res, cache.get('/', [index?.version], () => huntsPage(assets, index ? contentOf<HuntsIndexContent>(index) : NO_HUNTS)));
      }
      case '/admin':
        return sendPage(req, res, cache.get('/admin', [], () => adminPage(assets)));
      default: {
        if (!store.loaded) return this.unavailable(req, res);
        const slug = match.slug!;
        const huntDoc = store.get(docKeys.hunt(slug));
        if (!huntDoc) return this.notFound(req, res, 'There is no hunt here. It may not be open yet.');
        const hunt = () => contentOf<HuntDetailContent>(huntDoc);
        // Every page and part is keyed by its route and hunt, and kept while the documents it
        // was made from are at the versions held.
        const key = `${match.route}\n${slug}`;
        switch (match.route) {
          case '/hunts/:slug/detail':
            return sendPage(req, res, cache.get(key, [huntDoc.version], () => huntDetailPart(hunt())));
          case '/hunts/:slug/feed': {
            const feedDoc = store.get(docKeys.feed(slug));
            return sendPage(req, res, cache.get(key, [huntDoc.version, feedDoc?.version], () => feedPart(feedDoc && contentOf<FeedContent>(feedDoc), hunt())));
          }
          case '/hunts/:slug/leaderboard': {
            const board = store.boards.get(docKeys.leaderboard(slug));
            const n = leaderboardPage(req.url ?? '', pageCount(board));
            return sendPage(req, res, cache.get(`${key}\n${n}`, [board?.version], () => leaderboardPart(slug, store.huntMode(slug)!, board, n)));
          }
          case '/hunts/:slug': {
            const board = store.boards.get(docKeys.leaderboard(slug));
            const feedDoc = store.get(docKeys.feed(slug));
            const n = leaderboardPage(req.url ?? '', pageCount(board));
            return sendPage(req, res, cache.get(`${key}\n${n}`, [huntDoc.version, board?.version, feedDoc?.version], () =>
              huntPage(assets, { hunt: hunt(), board, feed: feedDoc && contentOf<FeedContent>(feedDoc) }, n)));
          }
        }
      }
    }
  }

  // Made once each, like any page: a crawler asking for made-up hunts costs a lookup, not a render.
  private notFound(req: IncomingMessage, res: ServerResponse, message: string): void {
    sendPage(req, res, this.cache.get(`404\n${message}`, [], () => messagePage(this.assets, 'Not found', message)), 404);
  }

  private unavailable(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('retry-after', '2');
    sendPage(req, res, this.cache.get('503', [], () => messagePage(this.assets, 'Starting', 'The hunts are loading. Try again in a moment.')), 503);
  }
}
