// `/`: the hunts, each a link titled by the hunt, with its status and times; made from the hunts
// index document.
import type { HuntsIndexContent, HuntsIndexItem } from '../../core/documents.ts';
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';
import { when } from './time.ts';

export function huntsPage(assets: Assets, index: HuntsIndexContent): Html {
  const hunts = index.hunts;
  return page(assets, {
    title: 'Hunts · Treasure Hunt',
    script: 'player.js',
    main: html`<h1>Hunts</h1>
${hunts.length === 0 ? html`<p>No hunt is open yet.</p>` : html`<ul class="hunts">${hunts.map(huntItem)}</ul>`}`,
  });
}

function huntItem(hunt: HuntsIndexItem): Html {
  return html`<li class="hunt-card">
<h2><a href="/hunts/${encodeURIComponent(hunt.slug)}">${hunt.title}</a></h2>
<p><span class="status status-${hunt.status}">${STATUS_TEXT[hunt.status]}</span>
${hunt.startsAt && html` · starts ${when(hunt.startsAt)}`}${hunt.endsAt && html` · ends ${when(hunt.endsAt)}`}</p>
<p class="meta">${hunt.clueCount} clues · ${hunt.playerCount} players</p>
</li>`;
}

export const STATUS_TEXT: Record<HuntsIndexItem['status'], string> = {
  draft: 'Draft', scheduled: 'Scheduled', live: 'Live', ended: 'Ended',
};
