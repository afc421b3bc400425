// Every hunt, drafts included (GET /v1/admin/hunts), each a link to its page in the console.
import { api } from './admin-api.js';
import { el, plural, section, when } from './admin-dom.js';
import { refreshControl } from './admin-jobs.js';
import { PHASE_TEXT, phaseOf } from './admin-live-controls.js';

export async function huntsList() {
  const { hunts } = await api('GET', '/v1/admin/hunts');
  return el('div', {},
    el('h2', { tabIndex: -1 }, 'Hunts'),
    el('p', {}, el('a', { href: '#new', className: 'button-link' }, 'Create a hunt')),
    hunts.length === 0 ? el('p', {}, 'No hunts yet.') : el('ul', { className: 'hunts' }, hunts.map((/** @type {any} */ h) => {
      const phase = phaseOf(h);
      return el('li', { className: 'hunt-card' },
        el('h3', {}, el('a', { href: `#hunt/${encodeURIComponent(h.slug)}` }, h.title)),
        el('p', {}, el('span', { className: `badge badge-${phase}` }, PHASE_TEXT[phase]),
          ` ${h.mode === 'team' ? 'Team' : 'Solo'} · ${plural(h.clueCount, 'clue')} · ${plural(h.competitorCount, 'competitor')}`),
        el('p', { className: 'meta' }, [h.startsAt && `Starts ${when(h.startsAt)}`, h.endsAt && `ends ${when(h.endsAt)}`].filter(Boolean).join(' · ') || 'No start or end set'));
    })),
    section('Refresh every hunt', el('p', { className: 'hint' }, 'Rebuilds every hunt\'s public documents (the full rebuild).'),
      refreshControl('Refresh every hunt', {})));
}
