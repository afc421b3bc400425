// A hunt's state and the moves an organiser makes with it (PATCH /v1/admin/hunts/:slug): publish,
// schedule (live with a start still to come), start now, end, reopen, freeze and unfreeze, and
// its times; and a refresh of its documents. The engine keeps the times by itself; this only says what they are.
import { api, seg } from './admin-api.js';
import { busy, button, clearErrors, el, field, say, section, setError, when } from './admin-dom.js';
import { refreshControl } from './admin-jobs.js';
import { instant } from './admin-rules.js';

/** What a hunt is now: its stored status, with "scheduled" for a live hunt whose start is to come. */
export function phaseOf(/** @type {{ status: string, startsAt: string | null }} */ hunt, now = Date.now()) {
  return hunt.status === 'live' && hunt.startsAt && Date.parse(hunt.startsAt) > now ? 'scheduled' : hunt.status;
}

export const PHASE_TEXT = { draft: 'Draft', scheduled: 'Scheduled', live: 'Live', ended: 'Ended' };

/** A datetime-local value (the reader's zone, to the second) for an instant. */
export function localInput(/** @type {string | null} */ iso) {
  if (!iso) return '';
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/**
 * The section; `changed(hunt)` runs with the hunt as the API answers after each move.
 * @param {any} hunt the hunt's definition (GET /v1/admin/hunts/:slug)
 * @param {(hunt: any) => void} changed
 */
export function liveControls(hunt, changed) {
  let timer = 0;
  const facts = el('dl', { className: 'facts' });
  /** Moves the hunt; `done` is what the live region says after. */
  const move = async (/** @type {Record<string, any>} */ patch, /** @type {string} */ done) => {
    hunt = { ...hunt, ...await api('PATCH', `/v1/admin/hunts/${seg(hunt.slug)}`, patch) };
    render();
    say(done);
    changed(hunt);
  };
  const now = () => new Date().toISOString();
  const publish = button('Publish now', () => move({ status: 'live' }, 'The hunt is published.'));
  const startNow = button('Start now', () => move({ startsAt: now() }, 'The hunt is live.'));
  const end = button('End now', () => move({ status: 'ended' }, 'The hunt has ended.'), { className: 'danger' });
  const reopen = button('Reopen', () => move({ status: 'live' }, 'The hunt is live again.'));
  const freeze = button('Freeze now', () => move({ freezeAt: now() }, 'The standings are frozen: players see them as of now.'));
  const unfreeze = button('Unfreeze', () => move({ freezeAt: null }, 'The standings are unfrozen.'));

  const opensAt = el('input', { type: 'datetime-local', step: 1 });
  const schedule = el('form', { className: 'schedule-form', noValidate: true },
    field('Opens at', opensAt, { hint: 'Your time zone. The hunt opens by itself then.' }),
    el('button', { type: 'submit' }, 'Schedule'));
  schedule.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(schedule, async () => {
      clearErrors(schedule);
      const [at, problem] = instant(opensAt.value);
      const wrong = problem ?? (!at ? 'Choose when the hunt opens' : Date.parse(at) <= Date.now() ? 'Opens at must be in the future' : null);
      if (wrong) {
        setError(opensAt, wrong);
        opensAt.focus();
        return say(`Not scheduled: ${wrong}.`, 'error');
      }
      await move({ status: 'live', startsAt: at }, `The hunt is scheduled: it opens ${when(at)}.`);
    });
  });

  const times = /** @type {const} */ ([['startsAt', 'Starts at'], ['endsAt', 'Ends at'], ['freezeAt', 'Freeze at']])
    .map(([name, label]) => ({ name, label, input: el('input', { type: 'datetime-local', step: 1 }) }));
  const timesForm = el('form', { noValidate: true },
    el('fieldset', { className: 'field-row' }, el('legend', {}, 'Times'), el('p', { className: 'hint' }, 'In your time zone; leave a time empty for none.'),
      times.map(({ label, input }) => field(label, input)),
      el('button', { type: 'submit', className: 'secondary' }, 'Save times')));
  timesForm.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(timesForm, async () => {
      clearErrors(timesForm);
      /** @type {Record<string, string | null>} */
      const patch = {};
      for (const { name, input } of times) {
        const [at, problem] = instant(input.value);
        if (problem) {
          setError(input, problem);
          return say(`Times not saved: ${name}: ${problem}`, 'error');
        }
        patch[name] = at;
      }
      if (patch.startsAt && patch.endsAt && patch.startsAt >= patch.endsAt) {
        setError(times[1].input, 'endsAt must be after startsAt');
        return say('Times not saved: endsAt must be after startsAt', 'error');
      }
      await move(patch, 'The times are saved.');
    });
  });

  function render() {
    const phase = phaseOf(hunt);
    const freezeAt = hunt.freezeAt && Date.parse(hunt.freezeAt);
    const frozen = freezeAt && freezeAt <= Date.now();
    facts.replaceChildren(
      ...fact('Status', `${PHASE_TEXT[phase]}${frozen ? ', standings frozen' : ''}`),
      ...fact('Mode', hunt.mode === 'team' ? `Team (up to ${hunt.maxTeamSize} players)` : 'Solo'),
      ...fact('Starts', when(hunt.startsAt)), ...fact('Ends', when(hunt.endsAt)),
      ...fact('Freeze', hunt.freezeAt ? `${frozen ? 'since' : 'at'} ${when(hunt.freezeAt)}` : 'none'));
    publish.hidden = phase !== 'draft';
    startNow.hidden = phase !== 'scheduled';
    end.hidden = phase !== 'live' && phase !== 'scheduled';
    reopen.hidden = phase !== 'ended';
    freeze.hidden = phase === 'draft' || Boolean(frozen);
    unfreeze.hidden = !hunt.freezeAt;
    schedule.hidden = phase !== 'draft' && phase !== 'scheduled';
    opensAt.value = localInput(phase === 'scheduled' ? hunt.startsAt : null);
    for (const { name, input } of times) input.value = localInput(hunt[name]);
    // A button that hid itself leaves the keyboard where the next move is.
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && focused.hidden) /** @type {HTMLElement | null} */ (actions.querySelector('button:not([hidden])'))?.focus();
    // The state changes by itself at the next moment (a start, a freeze): shown when it comes.
    clearTimeout(timer);
    const next = [hunt.startsAt, hunt.freezeAt].map((t) => (t ? Date.parse(t) - Date.now() : -1)).filter((ms) => ms > 0);
    if (next.length > 0) timer = window.setTimeout(render, Math.min(...next, 2 ** 31 - 1) + 250);
  }

  const actions = el('div', { className: 'actions' }, publish, startNow, end, reopen, freeze, unfreeze);
  render();
  return section('State and times', facts, actions, schedule, timesForm,
    el('h4', {}, 'Refresh'), el('p', { className: 'hint' }, 'Rebuilds this hunt\'s public documents from scratch.'),
    refreshControl('Refresh this hunt', { hunt: hunt.slug }));
}

const fact = (/** @type {string} */ name, /** @type {string} */ value) => [el('dt', {}, name), el('dd', {}, value)];
