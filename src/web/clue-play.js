// A clue's playing part, added inside its region (after the server's parts): the answer form of
// an open clue, the hints (the texts taken, then the next one to take, with a confirmation step)
// and the result of the player's last answer or hint in a live region (one on the page, moved
// to the clue last played).
import { huntPath, request, retryAfter } from './api.js';
import { el, onSubmit } from './dom.js';

/**
 * @typedef {{ n: number, cost: number, text: string | null }} Hint
 * @typedef {{ id: string, position: number, points: number, state: 'locked' | 'open' | 'found',
 *   title: string | null, body: string | null, foundAt: string | null, hints: Hint[] }} OwnClue
 * @typedef {{ region: Element, clue: OwnClue, playable: boolean }} Shown
 */

/** "1 point", "5 points". */
export const points = (/** @type {number} */ n) => `${n} point${Math.abs(n) === 1 ? '' : 's'}`;

/**
 * @param {string} slug
 * @param {() => string | undefined} token the player's token
 * @param {() => void} onPlayed after a find or a hint, or a refusal saying the page is behind:
 *   the player's own view changed
 */
export function cluePlayer(slug, token, onPlayed) {
  const result = el('p', { class: 'result', role: 'status' });
  /** Hints whose confirmation is showing, as "clueId:n". */
  const confirming = new Set();
  /** What each clue shows now, by clue id (to draw it again after a click). */
  /** @type {Map<string, Shown>} */
  const shown = new Map();

  /** Puts the message in the live region, moved into this clue's part first if need be. */
  function say(/** @type {Element} */ play, /** @type {string} */ message) {
    if (result.parentElement === play) {
      result.textContent = message;
      return;
    }
    result.textContent = '';
    play.append(result);
    // A live region is announced when its text changes after it is in place.
    setTimeout(() => { result.textContent = message; }, 50);
  }

  /**
   * Brings a clue's playing part in step with the player's view of it. `playable`: the hunt is
   * live and the player can answer (in a team hunt: is in a team).
   * @param {Element} region @param {OwnClue} clue @param {boolean} playable
   */
  function update(region, clue, playable) {
    shown.set(clue.id, { region, clue, playable });
    let play = region.querySelector('.clue-play');
    if (clue.state === 'locked') {
      // Nothing to play; the result that said why ("Locked") stays.
      for (const child of play ? [...play.children] : []) if (child !== result) removeFrom(region, child);
      if (play && !play.contains(result)) play.remove();
      return;
    }
    if (!play) {
      play = el('div', { class: 'clue-play' });
      region.append(play);
    }
    const form = play.querySelector('.answer-form');
    const answering = playable && clue.state === 'open';
    if (answering && !form) play.prepend(answerForm(play, clue));
    if (!answering && form) removeFrom(region, form);
    // Drawn again only when it changed, so a focused hint button stays focused across updates.
    const key = JSON.stringify([clue.state, playable, clue.hints, [...confirming].filter((k) => k.startsWith(clue.id))]);
    const hints = play.querySelector('.hints');
    if (hints?.getAttribute('data-key') === key) return;
    const fresh = hintList(play, clue, answering);
    fresh.setAttribute('data-key', key);
    const focusId = hints?.contains(document.activeElement) ? document.activeElement?.id : undefined;
    if (hints) hints.replaceWith(fresh);
    else play.insertBefore(fresh, result.parentElement === play ? result : null);
    // Keyboard focus in the hints stays on the same control, or goes to the clue's title.
    if (focusId !== undefined) /** @type {HTMLElement | null} */ (document.getElementById(focusId) ?? region.querySelector('h3'))?.focus();
  }

  function redraw(/** @type {string} */ clueId) {
    const current = shown.get(clueId);
    if (current) update(current.region, current.clue, current.playable);
  }

  function answerForm(/** @type {Element} */ play, /** @type {OwnClue} */ clue) {
    const id = `answer-${clue.id}`;
    const input = /** @type {HTMLInputElement} */ (el('input', { id, name: 'answer', autocomplete: 'off', autocapitalize: 'none', spellcheck: false, maxlength: '1000' }));
    const form = el('form', { class: 'answer-form inline-form', novalidate: true },
      el('label', { for: id }, 'Answer'), input, el('button', { type: 'submit' }, 'Submit'));
    onSubmit(form, 'answer', (message) => { say(play, message); input.focus(); }, 'Type an answer first', async (answer) => {
      const res = await request('POST', `${huntPath(slug)}/clues/${encodeURIComponent(clue.id)}/answers`, { body: { answer }, token: token() });
      say(play, answerMessage(res));
      if (res.status === 200 && res.body?.correct) {
        input.value = '';
        onPlayed();
      } else {
        input.select();
        // Refused as locked, or the hunt or team changed: the page was behind the player's view.
        if (res.status === 409) onPlayed();
      }
    });
    return form;
  }

  function hintList(/** @type {Element} */ play, /** @type {OwnClue} */ clue, /** @type {boolean} */ canTake) {
    const list = el('div', { class: 'hints' });
    for (const hint of clue.hints) {
      if (hint.text !== null) list.append(el('p', { class: 'hint-text', id: `hint-${clue.id}-${hint.n}`, tabindex: '-1' }, el('strong', {}, `Hint ${hint.n}: `), hint.text));
    }
    const next = clue.hints.find((h) => h.text === null);
    if (!next || !canTake) return list;
    const key = `${clue.id}:${next.n}`;
    if (!confirming.has(key)) {
      const take = el('button', { type: 'button', class: 'secondary', id: `take-${key}` }, `Take hint (costs ${points(next.cost)})`);
      take.addEventListener('click', () => {
        confirming.add(key);
        redraw(clue.id);
        document.getElementById(`confirm-${key}`)?.focus();
      });
      list.append(take);
      return list;
    }
    const confirm = el('button', { type: 'button', id: `confirm-${key}` }, 'Confirm');
    const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const question = el('p', { id: `ask-${key}` }, `Take hint ${next.n} for ${points(next.cost)}? Your points go down by ${next.cost}.`);
    list.append(el('div', { class: 'hint-confirm', role: 'group', 'aria-labelledby': `ask-${key}` }, question, confirm, cancel));
    cancel.addEventListener('click', () => {
      confirming.delete(key);
      redraw(clue.id);
      document.getElementById(`take-${key}`)?.focus();
    });
    let busy = false;
    confirm.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      const res = await request('POST', `${huntPath(slug)}/clues/${encodeURIComponent(clue.id)}/hints/${next.n}`, { token: token() });
      confirming.delete(key);
      const current = shown.get(clue.id);
      if (res.status === 200 && current) {
        // Shown at once; the own view, fetched again now, says the same.
        current.clue = { ...current.clue, hints: current.clue.hints.map((h) => (h.n === next.n ? { ...h, text: res.body.text } : h)) };
        say(play, `Hint ${next.n} taken: ${points(-res.body.cost)}`);
        onPlayed();
      } else {
        say(play, hintMessage(res));
      }
      redraw(clue.id);
      document.getElementById(`hint-${clue.id}-${next.n}`)?.focus();
    });
    return list;
  }

  return { update };
}

/** Removes a part of a clue; keyboard focus in it goes to the clue's title, not to the page's start. */
function removeFrom(/** @type {Element} */ region, /** @type {Element} */ part) {
  const focused = part.contains(document.activeElement);
  part.remove();
  if (focused) /** @type {HTMLElement | null} */ (region.querySelector('h3'))?.focus();
}

/** What an answer's reply means to the player. */
function answerMessage(/** @type {{ status: number, body: any, headers: Headers }} */ res) {
  if (res.status === 200) {
    if (!res.body.correct) return 'Not quite';
    return res.body.alreadyFound ? 'Already found' : `Correct: +${points(res.body.points)}`;
  }
  if (res.status === 429) return `Too many guesses, try again in ${retryAfter(res.headers)} s`;
  return refusal(res) ?? 'Your answer could not be sent: try again';
}

function hintMessage(/** @type {{ status: number, body: any, headers: Headers }} */ res) {
  if (res.body?.error === 'already_found') return 'Already found';
  if (res.body?.error === 'hint_locked') return 'Take the hints before it first';
  return refusal(res) ?? 'The hint could not be taken: try again';
}

/** Refusals answers and hints share. */
function refusal(/** @type {{ status: number, body: any, headers: Headers }} */ res) {
  switch (res.body?.error) {
    case 'clue_locked': return 'Locked';
    case 'hunt_not_live': return 'The hunt is not open for answers';
    case 'team_required': return 'Create or join a team first';
    case 'unauthorized': return 'Join the hunt first';
    case 'unavailable': return `The hunt is busy, try again in ${retryAfter(res.headers)} s`;
    default: return undefined;
  }
}
