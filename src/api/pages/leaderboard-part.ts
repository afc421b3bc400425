// A hunt page's leaderboard: one stored page of the standings (LEADERBOARD_PAGE_SIZE entries) as
// a table named "Leaderboard", with links to the pages around it. Served within the hunt page
// (`/hunts/:slug?page=N`, which works without a script) and alone as
// `/hunts/:slug/leaderboard?page=N`, which the script fetches when paging and on live updates.
import { LEADERBOARD_PAGE_SIZE, competitorOf, type HuntMode, type LeaderboardEntry } from '../../core/documents.ts';
import type { ServedBoard } from '../served-board.ts';
import { html, type Html } from './html.ts';
import { when } from './time.ts';

/** How many pages the board has (at least one: an empty board still shows its table). */
export function pageCount(board: ServedBoard | undefined): number {
  return Math.max(1, Math.ceil((board?.total ?? 0) / LEADERBOARD_PAGE_SIZE));
}

/** `page`: 1-based, within pageCount. */
export function leaderboardPart(slug: string, mode: HuntMode, board: ServedBoard | undefined, page: number): Html {
  const stored = board?.pages.get(page - 1);
  const entries = stored ? JSON.parse(stored.json.toString('utf8')) as LeaderboardEntry[] : [];
  const pages = pageCount(board);
  const row = (entry: LeaderboardEntry) => {
    const { id, name } = competitorOf(entry);
    return html`<tr data-competitor="${id}"><td>${entry.rank}</td><th scope="row" class="name">${name}</th><td>${entry.points}</td><td>${entry.cluesFound}</td></tr>`;
  };
  // Ids keep keyboard focus on the pager when the script swaps in another page.
  const link = (n: number, text: string, rel: 'prev' | 'next') =>
    html`<a href="/hunts/${encodeURIComponent(slug)}?page=${n}#leaderboard" rel="${rel}" id="leaderboard-${rel}" data-page="${n}">${text}</a>`;
  return html`<section id="leaderboard" class="leaderboard" aria-labelledby="leaderboard-title" data-page="${page}">
<h2 id="leaderboard-title">Leaderboard</h2>
${board?.frozen && board.frozenAt && html`<p class="notice">Frozen as of ${when(board.frozenAt)}.</p>`}
<table class="board" aria-labelledby="leaderboard-title">
<thead><tr><th scope="col">Rank</th><th scope="col">${mode === 'team' ? 'Team' : 'Player'}</th><th scope="col">Points</th><th scope="col">Clues</th></tr></thead>
<tbody>${entries.length === 0 ? html`<tr><td colspan="4" class="empty">No finds yet: the first one tops the board.</td></tr>` : entries.map(row)}</tbody>
</table>
${pages > 1 && html`<nav class="pager" aria-label="Leaderboard pages">
${page > 1 && link(page - 1, 'Previous', 'prev')}
<span>Page ${page} of ${pages}</span>
${page < pages && link(page + 1, 'Next', 'next')}
</nav>`}
</section>`;
}
