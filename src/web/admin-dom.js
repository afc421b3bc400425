// Building the console's DOM: elements from createElement with text nodes (organiser and player
// texts are never parsed as markup), labelled fields with their error line, captioned tables,
// and the one live region that reports results and errors.

import { el } from './dom.js';

// The one element builder, shared with the player's pages.
export { el };

let ids = 0;
/** A unique id for label/description links. */
export const newId = (/** @type {string} */ prefix) => `${prefix}-${++ids}`;

/**
 * A labelled control with a hint (optional) and an error line its `aria-describedby` names.
 * The control carries `data-path`: the path the API names it by in its errors ("clues.0.title").
 * @param {string} label
 * @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} control
 * @param {{ hint?: string, path?: string }} [opts]
 */
export function field(label, control, { hint, path } = {}) {
  control.id ||= newId('f');
  const error = el('p', { className: 'error', id: `${control.id}-error` });
  const described = [hint && `${control.id}-hint`, error.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  if (path) control.dataset.path = path;
  return el('div', { className: 'field' },
    el('label', { for: control.id }, label),
    hint && el('p', { className: 'hint', id: `${control.id}-hint` }, hint),
    control, error);
}

/** Shows (or with null, clears) the error line of a control made by field(). */
export function setError(/** @type {Element} */ control, /** @type {string | null} */ message) {
  const error = document.getElementById(`${control.id}-error`);
  if (error) error.textContent = message ?? '';
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

/** Clears every error line inside `root`. */
export function clearErrors(/** @type {Element} */ root) {
  for (const control of root.querySelectorAll('[aria-invalid]')) setError(control, null);
}

/**
 * A table with a caption and column headers, in a container that scrolls sideways on its own
 * (focusable, so a keyboard can scroll it), never the page.
 * @param {string} caption
 * @param {string[]} headers
 * @param {any[][]} rows cells: text or nodes
 * @param {number} [rowHeader] the column whose cell names its row
 */
export function table(caption, headers, rows, rowHeader = 0) {
  const id = newId('t');
  return el('div', { className: 'table-scroll', role: 'region', 'aria-labelledby': id, tabIndex: 0 },
    el('table', {},
      el('caption', { id }, caption),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) => i === rowHeader ? el('th', { scope: 'row' }, c) : el('td', {}, c)))))));
}

/** A section with a heading (h3) naming it. */
export function section(/** @type {string} */ title, /** @type {...any} */ ...children) {
  const id = newId('s');
  return el('section', { className: 'console-section', 'aria-labelledby': id }, el('h3', { id }, title), ...children);
}

/** A button that runs `action` (see busy()). */
export function button(/** @type {string} */ text, /** @type {() => Promise<void> | void} */ action, props = {}) {
  const node = el('button', { type: 'button', ...props }, text);
  node.addEventListener('click', () => busy(node, action));
  return node;
}

/**
 * Runs an action of a control: disabled meanwhile (no double submission), its error reported in
 * the live region.
 * @param {HTMLButtonElement | HTMLFormElement} control
 * @param {() => Promise<void> | void} action
 */
export async function busy(control, action) {
  const buttons = control instanceof HTMLFormElement ? [...control.querySelectorAll('button')] : [control];
  for (const b of buttons) b.disabled = true;
  try {
    await action();
  } catch (err) {
    failed(err);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Says something in the live region (role=status) every result and error goes to. */
export function say(/** @type {string} */ message, /** @type {'ok' | 'error'} */ kind = 'ok') {
  const region = document.getElementById('admin-status');
  if (!region) return;
  region.className = `admin-status ${kind}`;
  // Emptied first, so the same message twice is announced twice.
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

/** Reports a failed action: the API's message and code, or what went wrong. */
export function failed(/** @type {any} */ err) {
  if (err?.status === 401) document.dispatchEvent(new CustomEvent('admin:unauthorized'));
  else say(err?.code ? `${err.message} (${err.status} ${err.code})` : String(err?.message ?? err), 'error');
}

/** "1 clue", "2 clues". */
export const plural = (/** @type {number} */ n, /** @type {string} */ word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A time in the reader's zone, or a dash. */
export function when(/** @type {string | null | undefined} */ iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
