// `/hunts/:slug`: the hunt as the public sees it, made from its documents (hunt detail,
// leaderboard, feed), so its clues and standings are there before any script runs; the page's
// script adds the player's own parts (joining, answers, hints, team) and live updates, which
// re-fetch the parts below (hunt-detail-part.ts, leaderboard-part.ts, feed-part.ts) alone.
import type { FeedContent, HuntDetailContent } from '../../core/documents.ts';
import type { ServedBoard } from '../served-board.ts';
import type { Assets } from './assets.ts';
import { feedPart } from './feed-part.ts';
import { announcements, clues, huntStatus } from './hunt-detail-part.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';
import { leaderboardPart } from './leaderboard-part.ts';
import { playPanel } from './play-panel.ts';

export interface HuntPageSources { hunt: HuntDetailContent; board: ServedBoard | undefined; feed: FeedContent | undefined }

/** `leaderboardPage`: 1-based, within the board's pages. */
export function huntPage(assets: Assets, { hunt, board, feed }: HuntPageSources, leaderboardPage: number): Html {
  return page(assets, {
    title: `${hunt.title} · Treasure Hunt`,
    script: 'player.js',
    data: { hunt: hunt.slug, mode: hunt.mode },
    main: html`<div class="hunt-head">
<h1>${hunt.title}</h1>
${hunt.description && html`<p class="description">${hunt.description}</p>`}
${huntStatus(hunt)}
</div>
<div class="hunt-layout">
<div class="hunt-main">
${playPanel(hunt.mode)}
${announcements(hunt)}
${clues(hunt)}
</div>
<div class="hunt-side">
${leaderboardPart(hunt.slug, hunt.mode, board, leaderboardPage)}
${feedPart(feed, hunt)}
</div>
</div>`,
  });
}
