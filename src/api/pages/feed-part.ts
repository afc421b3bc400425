// A hunt page's activity feed: the latest finds, a clue's first find marked, newest first.
// Served within the hunt page and alone as `/hunts/:slug/feed` for live updates. The feed
// document's announcements are left out: the page shows them in their own list, and each text
// once.
import type { FeedContent, FeedEntry, HuntDetailContent } from '../../core/documents.ts';
import { clueTitles } from './hunt-detail-part.ts';
import { html, type Html } from './html.ts';
import { when } from './time.ts';

export function feedPart(feed: FeedContent | undefined, hunt: HuntDetailContent): Html {
  const titles = clueTitles(hunt);
  const clue = (id: string | null) => html`<span class="clue-name">${(id && titles.get(id)) ?? 'a locked clue'}</span>`;
  const item = (e: FeedEntry) => {
    const name = html`<span class="name">${e.name ?? 'Someone'}</span>`;
    switch (e.type) {
      case 'first_find': return html`<li class="first-find">${name} was first to find ${clue(e.clueId)} ${when(e.at, 'time')}</li>`;
      case 'find': return html`<li>${name} found ${clue(e.clueId)} ${when(e.at, 'time')}</li>`;
      case 'announcement': return html``;
    }
  };
  const entries = (feed?.entries ?? []).filter((e) => e.type !== 'announcement');
  return html`<section id="feed" class="feed" aria-labelledby="feed-title">
<h2 id="feed-title">Activity</h2>
${entries.length === 0 ? html`<p>Nothing has happened yet.</p>` : html`<ol>${entries.map(item)}</ol>`}
</section>`;
}
