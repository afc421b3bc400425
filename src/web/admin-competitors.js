// Competitors: the live standings (GET admin leaderboard: frozen or not, hidden ones left out),
// points adjusted with a reason, and competitors hidden from the public and shown again (the
// hidden ones are listed by the hunt's definition, the only place they still appear).
import { api, seg } from './admin-api.js';
import { busy, button, clearErrors, el, failed, field, plural, say, section, setError, table, when } from './admin-dom.js';
import { integer, textProblem } from './admin-rules.js';

const PAGE = 50;

/** @param {any} hunt the hunt's definition (slug, mode, hiddenCompetitors) */
export function competitors(hunt) {
  const base = `/v1/admin/hunts/${seg(hunt.slug)}`;
  let offset = 0;
  /** @type {{ id: string, name: string }[]} */
  let ranked = [];
  let hidden = hunt.hiddenCompetitors.map((/** @type {any} */ c) => ({ id: c.competitorId, name: c.name }));
  const board = el('div', { className: 'board' });
  const paging = el('div', { className: 'actions' });
  const hiddenList = el('ul', { className: 'hidden-list' });

  const who = el('select', {});
  const points = el('input', { type: 'number', step: 1, inputMode: 'numeric' });
  const reason = el('input', { type: 'text' });
  const adjust = el('form', { noValidate: true },
    el('fieldset', {}, el('legend', {}, 'Adjust points'),
      field('Competitor', who, { hint: 'Those on the standings page shown, and hidden ones.' }),
      field('Points', points, { hint: 'Negative for a penalty.' }),
      field('Reason', reason, { hint: 'Shown to the competitor.' }),
      el('button', { type: 'submit' }, 'Adjust points')));
  adjust.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(adjust, async () => {
      clearErrors(adjust);
      const [n, pointsProblem] = integer(points.value, -1_000_000, 1_000_000, true);
      const problems = [
        [who, who.value ? null : 'Choose a competitor'],
        [points, pointsProblem ?? (n === 0 ? 'must not be zero' : null)],
        [reason, textProblem(reason.value.trim(), 1, 200)],
      ].filter(([, problem]) => problem);
      if (problems.length > 0) {
        for (const [control, problem] of problems) setError(/** @type {Element} */ (control), /** @type {string} */ (problem));
        /** @type {HTMLElement} */ (problems[0][0]).focus();
        return say(`Points not adjusted: ${problems[0][1]}`, 'error');
      }
      await api('POST', `${base}/adjustments`, { competitorId: who.value, points: n, reason: reason.value.trim() });
      const name = who.selectedOptions[0]?.textContent;
      points.value = '';
      reason.value = '';
      await load();
      say(`${n > 0 ? 'Awarded' : 'Took'} ${plural(Math.abs(n), 'point')} ${n > 0 ? 'to' : 'from'} ${name}.`);
    });
  });

  /** Hides or shows a competitor, then reads the standings and hidden ones again. */
  const setHidden = async (/** @type {{ id: string, name: string }} */ c, /** @type {boolean} */ hide) => {
    await api('PATCH', `${base}/competitors/${seg(c.id)}`, { hidden: hide });
    const definition = await api('GET', base);
    hidden = definition.hiddenCompetitors.map((/** @type {any} */ h) => ({ id: h.competitorId, name: h.name }));
    await load();
    reload.focus();
    say(hide ? `${c.name} is hidden from the public.` : `${c.name} is shown again.`);
  };

  async function load() {
    const page = await api('GET', `${base}/leaderboard?limit=${PAGE}&offset=${offset}`);
    ranked = page.entries.map((/** @type {any} */ e) => ({ id: e.teamId ?? e.playerId, name: e.name ?? e.handle }));
    board.replaceChildren(page.total === 0
      ? el('p', { className: 'meta' }, 'No one is ranked yet (a competitor is ranked from their first find).')
      : table(`Live standings (${page.total} ranked, not frozen)`, ['Rank', 'Name', 'Points', 'Clues found', 'Last find', 'Public'],
        page.entries.map((/** @type {any} */ e, /** @type {number} */ i) => [e.rank, ranked[i].name, e.points, e.cluesFound, when(e.lastFindAt),
          button('Hide', () => setHidden(ranked[i], true), { className: 'danger', 'aria-label': `Hide ${ranked[i].name}` })]), 1));
    paging.replaceChildren();
    if (offset > 0) paging.append(button('Previous page', () => { offset = Math.max(0, offset - PAGE); return load(); }, { className: 'secondary' }));
    if (offset + PAGE < page.total) paging.append(button('Next page', () => { offset += PAGE; return load(); }, { className: 'secondary' }));
    hiddenList.replaceChildren(...hidden.map((c) => el('li', {}, el('span', {}, c.name), ' ',
      button('Unhide', () => setHidden(c, false), { className: 'secondary', 'aria-label': `Unhide ${c.name}` }))));
    if (hidden.length === 0) hiddenList.append(el('li', { className: 'meta' }, 'None.'));
    const chosen = who.value;
    who.replaceChildren(el('option', { value: '' }, 'Choose…'),
      ...[...ranked, ...hidden].map((c) => el('option', { value: c.id, selected: c.id === chosen }, c.name)));
  }

  const reload = button('Reload standings', load, { className: 'secondary' });
  load().catch(failed);
  return section('Competitors', reload, board, paging, adjust, el('h4', {}, 'Hidden competitors'), hiddenList);
}
