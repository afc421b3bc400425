// The web app's routes on node:http, like the snapshot routes: every public page is made from
// documents held in memory, once per version (page-cache.ts), and served from memory. Players'
// own parts (their clues, points, team) are fetched by the page's script from the JSON API with
// the token the browser keeps; the organiser console is a page its script fills from the admin API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { docKeys, type HuntDetailContent, type HuntsIndexContent } from '../../core/documents.ts';
import type { SnapshotStore } from '../snapshot-store.ts';
import { adminPage } from './admin-page.ts';
import { ASSETS_PREFIX, type Assets } from './assets.ts';
import { huntPage } from './hunt-page.ts';
import { huntsPage } from './hunts-page.ts';
import { messagePage } from './message-page.ts';
import { PageCache } from './page-cache.ts';
import { renderedPage, sendPage } from './page-response.ts';

export type PageRoute = '/' | '/hunts/:slug' | '/admin' | '/assets/:file';

export interface PageMatch { route: PageRoute; slug?: string }

const HUNT_PREFIX = '/hunts/';
const NO_HUNTS: HuntsIndexContent = { hunts: [] };

export function matchPageRoute(path: string): PageMatch | undefined {
  if (path === '/') return { route: '/' };
  if (path === '/admin' || path === '/admin/') return { route: '/admin' };
  if (path.startsWith(ASSETS_PREFIX)) return { route: '/assets/:file' };
  if (path.startsWith(HUNT_PREFIX)) {
    const slug = path.slice(HUNT_PREFIX.length);
    if (slug !== '' && !slug.includes('/')) {
      try { return { route: '/hunts/:slug', slug: decodeURIComponent(slug) }; } catch { return undefined; }
    }
  }
  return undefined;
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
    const { store, assets } = this;
    switch (match.route) {
      case '/assets/:file': {
        const path = (req.url ?? '').split('?')[0]!;
        if (!assets.serve(req, res, path)) this.notFound(req, res, 'There is no such file.');
        return;
      }
      case '/': {
        if (!store.loaded) return this.unavailable(req, res);
        const index = store.get(docKeys.huntsIndex());
        return sendPage(req, res, this.cache.get('/', [index], () =>
          huntsPage(assets, index ? JSON.parse(index.body.toString('utf8')) as HuntsIndexContent : NO_HUNTS)));
      }
      case '/hunts/:slug': {
        if (!store.loaded) return this.unavailable(req, res);
        const slug = match.slug!;
        const hunt = store.get(docKeys.hunt(slug));
        if (!hunt) return this.notFound(req, res, 'There is no hunt here. It may not be open yet.');
        const board = store.boards.get(docKeys.leaderboard(slug));
        const feed = store.get(docKeys.feed(slug));
        return sendPage(req, res, this.cache.get(`/hunts/${slug}`, [hunt, board, feed], () =>
          huntPage(assets, { hunt: JSON.parse(hunt.body.toString('utf8')) as HuntDetailContent, board, feed })));
      }
      case '/admin':
        return sendPage(req, res, this.cache.get('/admin', [], () => adminPage(assets)));
    }
  }

  private notFound(req: IncomingMessage, res: ServerResponse, message: string): void {
    sendPage(req, res, renderedPage(messagePage(this.assets, 'Not found', message)), 404);
  }

  private unavailable(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('retry-after', '2');
    sendPage(req, res, renderedPage(messagePage(this.assets, 'Starting', 'The hunts are loading. Try again in a moment.')), 503);
  }
}
