// The parts of a hunt page made from its detail document: its status and times, the
// announcements and the clues as the public sees them (a clue with unlock conditions is locked
// here; the page's script opens it for a player it has opened for). Served within the page and,
// for the script's live updates, alone as `/hunts/:slug/detail`: top-level elements the script
// swaps in by id.
import { competitorOf, type Announcement, type ClueView, type HuntDetailContent } from '../../core/documents.ts';
import { html, type Html } from './html.ts';
import { huntTimes, when } from './time.ts';
import { plural, STATUS_TEXT } from './words.ts';

export function huntDetailPart(hunt: HuntDetailContent): Html {
  return html`${huntStatus(hunt)}
${announcements(hunt)}
${clues(hunt)}`;
}

export function huntStatus(hunt: HuntDetailContent): Html {
  return html`<div id="hunt-status" class="hunt-status" data-status="${hunt.status}">
<p><span class="status status-${hunt.status}">${STATUS_TEXT[hunt.status]}</span> ${hunt.mode === 'team' ? 'Team hunt' : 'Solo hunt'} · ${plural(hunt.clueCount, 'clue')} · ${plural(hunt.playerCount, 'player')} · ${plural(hunt.findCount, 'find')}</p>
${huntTimes(hunt.status, hunt.startsAt, hunt.endsAt)}
${hunt.frozen && hunt.frozenAt && html`<p class="notice">The leaderboard is frozen as of ${when(hunt.frozenAt)}: later finds show once it thaws.</p>`}
</div>`;
}

export function announcements(hunt: HuntDetailContent): Html {
  const titles = clueTitles(hunt);
  const item = (a: Announcement) => html`<li data-announcement="${a.id}"><p class="announcement-text">${a.text}</p>
<p class="meta">${when(a.at)}${a.clueId && html` · about ${titles.get(a.clueId) ?? 'a clue'}`}</p></li>`;
  // Kept in the page while empty (hidden), so a live update has a place to put the first one. A
  // live region: the script adds new announcements to it (parts.js), which screen readers read out.
  return html`<section id="announcements" class="announcements" aria-labelledby="announcements-title"${hunt.announcements.length === 0 && html` hidden`}>
<h2 id="announcements-title">Announcements</h2>
<ul aria-live="polite">${hunt.announcements.map(item)}</ul>
</section>`;
}

export function clues(hunt: HuntDetailContent): Html {
  const empty = hunt.status === 'scheduled' ? 'The clues appear when the hunt starts.' : 'This hunt has no clues yet.';
  return html`<section id="clues" aria-labelledby="clues-title">
<h2 id="clues-title">Clues</h2>
${hunt.clues.length === 0 ? html`<p>${empty}</p>` : html`<ol class="clues">${hunt.clues.map((c) => clue(c, hunt.mode === 'team' ? 'team' : 'player'))}</ol>`}
</section>`;
}

/**
 * A clue: a region named by its title (a locked clue's title is not public: "Clue N" until the
 * player's own view names it), its points, state, text and who found it. The script adds the
 * answer form and hints inside the region, after these parts.
 */
function clue(c: ClueView, competitor: 'team' | 'player'): Html {
  const id = `clue-${c.id}`;
  const first = c.firstFinder && competitorOf(c.firstFinder).name;
  return html`<li class="clue" id="${id}" data-clue="${c.id}" data-state="${c.locked ? 'locked' : 'open'}">
<section aria-labelledby="${id}-title">
<h3 id="${id}-title" tabindex="-1">${c.title ?? `Clue ${c.position}`}</h3>
<p class="clue-meta"><span class="points">${plural(c.points, 'point')}</span> <span class="clue-state">${c.locked ? 'Locked' : 'Open'}</span></p>
<p class="clue-body">${c.locked ? 'Locked: it opens once its conditions are met.' : c.body}</p>
<p class="clue-stats">${c.solveCount === 0 ? 'Not found yet' : `Found by ${plural(c.solveCount, competitor)}`}${first && html` · first: <span class="name">${first}</span>`}</p>
</section>
</li>`;
}

/** Clue titles by id (null for locked clues: their titles are not public). */
export function clueTitles(hunt: HuntDetailContent): Map<string, string | null> {
  return new Map(hunt.clues.map((c) => [c.id, c.title]));
}
