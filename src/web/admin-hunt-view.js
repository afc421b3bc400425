// One hunt's page in the console: its state and times, a refresh, announcements, competitors,
// stats and exports, and its clues as stored (GET /v1/admin/hunts/:slug: never the answers).
import { api, seg } from './admin-api.js';
import { el, plural, section } from './admin-dom.js';
import { analytics } from './admin-analytics.js';
import { announcements } from './admin-announcements.js';
import { competitors } from './admin-competitors.js';
import { liveControls } from './admin-live-controls.js';

/** The hunt's view, once its definition is read. */
export async function huntView(/** @type {string} */ slug) {
  const hunt = await api('GET', `/v1/admin/hunts/${seg(slug)}`);
  const heading = el('h2', { tabIndex: -1 }, hunt.title);
  return el('div', { className: 'hunt-view' },
    el('p', {}, el('a', { href: '#' }, '← All hunts')),
    heading,
    el('p', { className: 'meta' }, `Slug ${hunt.slug} · `, el('a', { href: `/hunts/${seg(hunt.slug)}` }, 'Player page')),
    hunt.description && el('p', { className: 'description' }, hunt.description),
    el('div', { className: 'hunt-sections' },
      liveControls(hunt, (changed) => { heading.textContent = changed.title; }),
      announcements(hunt),
      wide(competitors(hunt)),
      wide(analytics(hunt)),
      wide(clueList(hunt))));
}

/** A section across both columns of a wide screen (its tables need the room). */
const wide = (/** @type {HTMLElement} */ node) => { node.classList.add('wide'); return node; };

/** The clues as stored: texts, points, rules, hints, and how many answers each accepts. */
function clueList(/** @type {any} */ hunt) {
  if (hunt.clues.length === 0) return section('Clues', el('p', { className: 'meta' }, 'This hunt has no clues.'));
  return section('Clues', el('ol', { className: 'clue-summary' }, hunt.clues.map((/** @type {any} */ c) => el('li', {},
    el('h4', {}, c.title),
    el('p', { className: 'meta' }, `${plural(c.points, 'point')} · ${plural(c.acceptedAnswers, 'accepted answer')} · ${ruleText(c.unlock)}`),
    el('p', { className: 'clue-text' }, c.body),
    c.hints.length > 0 && el('ol', { className: 'hints' }, c.hints.map((/** @type {any} */ h) => el('li', {}, `${h.text} (costs ${plural(h.cost, 'point')})`)))))));
}

/** An unlock rule in words. */
function ruleText(/** @type {any} */ unlock) {
  if (!unlock) return 'open from the start';
  const parts = [];
  if (unlock.afterClues.length > 0) parts.push(`after clue${unlock.afterClues.length === 1 ? '' : 's'} ${unlock.afterClues.join(', ')}`);
  if (unlock.afterFinds !== null) parts.push(`after ${plural(unlock.afterFinds, 'find')}`);
  if (unlock.afterMinutes !== null) parts.push(`${unlock.afterMinutes} min after the start`);
  return `opens ${parts.join(' and ')}`;
}
