// Announcements: posted (optionally about one clue) and deleted by the organiser. The list is the
// public hunt document's (the admin API lists none), so one just posted or deleted is shown as
// the API answered until the next refresh publishes it.
import { api, publicDocument, seg } from './admin-api.js';
import { busy, button, clearErrors, el, field, say, section, setError, when } from './admin-dom.js';
import { textProblem } from './admin-rules.js';

/** @typedef {{ id: string, at: string, text: string, clueId: string | null }} Announcement */

/** @param {any} hunt the hunt's definition (its slug and clues) */
export function announcements(hunt) {
  const path = `/v1/admin/hunts/${seg(hunt.slug)}/announcements`;
  /** @type {Announcement[]} */
  let shown = [];
  const text = el('textarea', { rows: 3 });
  const clue = el('select', {},
    el('option', { value: '' }, 'None: the whole hunt'),
    hunt.clues.map((/** @type {any} */ c) => el('option', { value: c.id }, `${c.position}. ${c.title}`)));
  const list = el('ul', { className: 'announcement-list' });
  const form = el('form', { noValidate: true },
    field('Announcement', text),
    field('About clue (optional)', clue),
    el('button', { type: 'submit' }, 'Post announcement'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      clearErrors(form);
      const body = { text: text.value.trim(), ...(clue.value && { clueId: clue.value }) };
      const problem = textProblem(body.text, 1, 2000);
      if (problem) {
        setError(text, problem);
        text.focus();
        return say(`Not posted: text: ${problem}`, 'error');
      }
      const { id, at } = await api('POST', path, body);
      shown = [{ id, at, text: body.text, clueId: body.clueId ?? null }, ...shown];
      text.value = '';
      render();
      say('The announcement is posted.');
    });
  });

  function render() {
    list.replaceChildren(...shown.map((a) => el('li', {},
      el('p', {}, a.text),
      el('p', { className: 'meta' }, when(a.at), a.clueId && ` · about clue ${hunt.clues.find((/** @type {any} */ c) => c.id === a.clueId)?.position ?? '?'}`),
      button('Delete', async () => {
        await api('DELETE', `${path}/${seg(a.id)}`);
        shown = shown.filter((s) => s !== a);
        render();
        text.focus();
        say('The announcement is deleted.');
      }, { className: 'danger', 'aria-label': `Delete announcement: ${a.text.slice(0, 60)}` }))));
    if (shown.length === 0) list.append(el('li', { className: 'meta' }, 'No announcements.'));
  }

  render();
  // A draft has no public document: nothing has been announced to anyone yet.
  publicDocument(`/v1/hunts/${seg(hunt.slug)}`).then((detail) => {
    const known = new Set(shown.map((a) => a.id));
    shown = [...shown, ...(detail?.announcements ?? []).filter((/** @type {Announcement} */ a) => !known.has(a.id))];
    render();
  }, () => undefined);
  return section('Announcements', form, el('h4', {}, 'Posted'), list);
}
