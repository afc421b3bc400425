// `/hunts/:slug`: the hunt as the public sees it, made from its documents (hunt detail,
// leaderboard, feed); the page's script adds the player's own parts and live updates.
import type { HuntDetailContent } from '../../core/documents.ts';
import type { ServedBoard } from '../served-board.ts';
import type { ServedDocument } from '../served-document.ts';
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';

export interface HuntPageSources { hunt: HuntDetailContent; board: ServedBoard | undefined; feed: ServedDocument | undefined }

export function huntPage(assets: Assets, { hunt }: HuntPageSources): Html {
  return page(assets, {
    title: `${hunt.title} · Treasure Hunt`,
    script: 'player.js',
    data: { hunt: hunt.slug, mode: hunt.mode },
    main: html`<h1>${hunt.title}</h1><p>${hunt.description}</p>`,
  });
}
