// `/`: the hunts, each a link titled by the hunt, with its status and times (a countdown to the
// start of a scheduled hunt and to the end of a live one); made from the hunts index document.
import type { HuntsIndexContent, HuntsIndexItem } from '../../core/documents.ts';
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';
import { huntTimes } from './time.ts';
import { plural, STATUS_TEXT } from './words.ts';

export function huntsPage(assets: Assets, index: HuntsIndexContent): Html {
  const hunts = index.hunts;
  return page(assets, {
    title: 'Hunts · Treasure Hunt',
    script: 'hunts.js',
    main: html`<h1>Hunts</h1>
${hunts.length === 0 ? html`<p>No hunt is open yet.</p>` : html`<ul class="hunts">${hunts.map(huntItem)}</ul>`}`,
  });
}

function huntItem(hunt: HuntsIndexItem): Html {
  return html`<li class="hunt-card">
<h2><a href="/hunts/${encodeURIComponent(hunt.slug)}">${hunt.title}</a></h2>
<p><span class="status status-${hunt.status}">${STATUS_TEXT[hunt.status]}</span></p>
${huntTimes(hunt.status, hunt.startsAt, hunt.endsAt)}
<p class="meta">${plural(hunt.clueCount, 'clue')} · ${plural(hunt.playerCount, 'player')}</p>
</li>`;
}
