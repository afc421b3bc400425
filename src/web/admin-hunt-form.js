// "Create a hunt": the hunt, its clues (accepted answers, unlock rule, hints) added and removed
// in place, checked here by the API's rules (admin-rules.js) before it is sent; a problem the
// server finds anyway is shown next to the field its path names.
import { api, ApiError } from './admin-api.js';
import { busy, clearErrors, el, field, newId, plural, say, setError } from './admin-dom.js';
import {
  countProblem, instant, integer, integerList, MAX_INT, normalizesToNothing, Problems, SLUG, SLUG_MESSAGE, textProblem, unlockProblem,
} from './admin-rules.js';

const MAX_CLUES = 500;
const MAX_HINTS = 10;

const textInput = (props = {}) => el('input', { type: 'text', ...props });
const numberInput = (value = '') => el('input', { type: 'number', step: 1, inputMode: 'numeric', value });
const timeInput = () => el('input', { type: 'datetime-local', step: 1 });

/**
 * The form; `created(slug)` runs once the API has made the hunt.
 * @param {(slug: string) => void} created
 */
export function huntForm(created) {
  const slug = textInput({ autocomplete: 'off', spellcheck: false, autocapitalize: 'none' });
  const title = textInput();
  const description = el('textarea', { rows: 3 });
  const modeName = newId('mode');
  const team = el('input', { type: 'radio', name: modeName, value: 'team', id: newId('f') });
  const solo = el('input', { type: 'radio', name: modeName, value: 'solo', id: newId('f'), checked: true });
  const maxTeamSize = numberInput('4');
  const teamSize = field('Largest team (players)', maxTeamSize, { path: 'maxTeamSize' });
  teamSize.hidden = true;
  for (const radio of [solo, team]) radio.addEventListener('change', () => { teamSize.hidden = !team.checked; });
  const startsAt = timeInput();
  const endsAt = timeInput();
  const freezeAt = timeInput();
  const bonus = textInput({ inputMode: 'numeric' });
  /** @type {Clue[]} */
  const clues = [];
  const clueList = el('div', { className: 'clue-list' });
  const addClueButton = el('button', { type: 'button', className: 'secondary', on: { click: () => addClue(true) } }, 'Add clue');

  function addClue(focus = false) {
    const clue = new Clue(() => { clues.splice(clues.indexOf(clue), 1); clue.node.remove(); renumber(); addClueButton.focus(); });
    clues.push(clue);
    clueList.append(clue.node);
    renumber();
    if (focus) clue.title.focus();
  }
  function renumber() {
    clues.forEach((clue, i) => clue.number(i));
    addClueButton.disabled = clues.length >= MAX_CLUES;
  }

  const form = el('form', { className: 'hunt-form', noValidate: true },
    el('fieldset', {}, el('legend', {}, 'Hunt'),
      field('Slug', slug, { path: 'slug', hint: 'The hunt\'s address: lower-case letters, digits and dashes, e.g. office-hunt.' }),
      field('Title', title, { path: 'title' }),
      field('Description (optional)', description, { path: 'description' })),
    el('fieldset', {}, el('legend', {}, 'Mode'),
      el('div', { className: 'choice' }, solo, el('label', { for: solo.id }, 'Solo: players compete alone')),
      el('div', { className: 'choice' }, team, el('label', { for: team.id }, 'Team: players compete in teams')),
      teamSize),
    el('fieldset', { className: 'field-row' }, el('legend', {}, 'Times (optional, in your time zone)'),
      field('Starts at', startsAt, { path: 'startsAt' }),
      field('Ends at', endsAt, { path: 'endsAt' }),
      field('Freeze at', freezeAt, { path: 'freezeAt', hint: 'From then on the public standings stay as they were at this moment.' })),
    field('First-finder bonus (optional)', bonus, { path: 'firstFinderBonus', hint: 'Extra points for a clue\'s 1st, 2nd, … finder, comma-separated, up to 5: e.g. 5, 3, 1.' }),
    el('fieldset', {}, el('legend', {}, 'Clues'), clueList, addClueButton),
    el('p', { className: 'hint' }, 'The hunt is created as a draft: publish or schedule it on its page.'),
    el('button', { type: 'submit' }, 'Create hunt'));
  addClue();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, submit);
  });

  /** The request's body and the problems found in it, checked as the API checks it. */
  function read() {
    const problems = new Problems();
    /** @type {Record<string, any>} */
    const body = { slug: slug.value, title: title.value.trim(), status: 'draft' };
    problems.check('slug', slug, SLUG.test(slug.value) ? null : SLUG_MESSAGE);
    problems.check('title', title, textProblem(body.title, 1, 200));
    if (description.value !== '' && problems.check('description', description, textProblem(description.value, 0, 10_000))) {
      body.description = description.value;
    }
    if (team.checked) {
      body.mode = 'team';
      const [size, problem] = integer(maxTeamSize.value, 1, 50);
      if (problems.check('maxTeamSize', maxTeamSize, problem) && size !== undefined) body.maxTeamSize = size;
    }
    for (const [name, control] of /** @type {const} */ ([['startsAt', startsAt], ['endsAt', endsAt], ['freezeAt', freezeAt]])) {
      const [at, problem] = instant(control.value);
      if (problems.check(name, control, problem) && at) body[name] = at;
    }
    if (body.startsAt && body.endsAt && body.startsAt >= body.endsAt) problems.check('endsAt', endsAt, 'endsAt must be after startsAt');
    const [bonuses, bonusProblem, at] = integerList(bonus.value, 0, 1_000_000);
    if (problems.check(bonusProblem ? `firstFinderBonus.${at}` : 'firstFinderBonus', bonus, bonusProblem ?? countProblem(bonuses.length, 0, 5))) {
      if (bonuses.length > 0) body.firstFinderBonus = bonuses;
    }
    body.clues = clues.map((clue, i) => clue.read(problems, `clues.${i}`));
    const cycle = unlockProblem(clues.map((clue) => clue.afterPositions));
    if (cycle) problems.check(`clues.${cycle[0]}.unlock.afterClues`, clues[cycle[0]].afterClues, cycle[1]);
    return { body, problems: problems.list };
  }

  async function submit() {
    clearErrors(form);
    const { body, problems } = read();
    if (problems.length > 0) {
      // Shown last to first, so a field with two problems shows the first.
      for (const problem of [...problems].reverse()) setError(problem.control, problem.message);
      /** @type {HTMLElement} */ (problems[0].control).focus();
      say(`The hunt was not created (${plural(problems.length, 'problem')}): ${problems[0].path}: ${problems[0].message}`, 'error');
      return;
    }
    try {
      const reply = await api('POST', '/v1/admin/hunts', body);
      say(`Created the hunt "${body.title}" as a draft.`);
      created(reply.slug);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401 || err.status >= 500) throw err;
      // "clues.0.answers.1: ..." names the value: the error goes next to its field.
      const [, path, message] = /^([\w.]+): (.*)$/s.exec(err.message) ?? [];
      const control = err.code === 'slug_taken' ? slug : /^endsAt must/.test(err.message) ? endsAt : path && controlFor(path);
      if (control) {
        setError(control, message ?? err.message);
        control.focus();
      }
      say(`The hunt was not created: ${err.message} (${err.status} ${err.code})`, 'error');
    }
  }

  /** The control the API's path names, or the nearest one above it ("clues.0.answers.1": the answers). */
  function controlFor(/** @type {string} */ path) {
    for (const parts = path.split('.'); parts.length > 0; parts.pop()) {
      const control = form.querySelector(`[data-path="${parts.join('.')}"]`);
      if (control instanceof HTMLElement) return control;
    }
    return null;
  }

  return form;
}

/** One clue's fieldset: its texts, points, accepted answers, unlock rule and hints. */
class Clue {
  /** @param {() => void} remove */
  constructor(remove) {
    this.title = textInput();
    this.body = el('textarea', { rows: 3 });
    this.points = numberInput('10');
    this.answers = el('textarea', { rows: 2, autocomplete: 'off', spellcheck: false });
    this.afterClues = textInput({ inputMode: 'numeric' });
    this.afterFinds = numberInput();
    this.afterMinutes = numberInput();
    /** @type {Hint[]} */
    this.hints = [];
    /** @type {number[]} positions this clue waits for, as last read */
    this.afterPositions = [];
    this.legend = el('legend', {});
    this.hintList = el('div', { className: 'hint-list' });
    this.addHintButton = el('button', { type: 'button', className: 'secondary', on: { click: () => this.addHint() } });
    this.removeButton = el('button', { type: 'button', className: 'danger', on: { click: remove } });
    this.node = el('fieldset', { className: 'clue-fields' }, this.legend,
      field('Title', this.title),
      field('Text', this.body, { hint: 'What players read.' }),
      field('Points', this.points),
      field('Accepted answers', this.answers, { hint: 'One per line. Case, spaces and punctuation do not matter.' }),
      el('fieldset', { className: 'field-row' }, el('legend', {}, 'Unlock rule (optional)'),
        field('After clues', this.afterClues, { hint: 'Clue numbers, comma-separated: these must be found first.' }),
        field('After finds', this.afterFinds, { hint: 'This many clues found.' }),
        field('After minutes', this.afterMinutes, { hint: 'Minutes after the hunt starts.' })),
      this.hintList, this.addHintButton, this.removeButton);
  }

  /** Names the clue by its (0-based) place: legend, buttons, and the API's paths of its values. */
  number(/** @type {number} */ i) {
    this.index = i;
    this.legend.textContent = `Clue ${i + 1}`;
    this.addHintButton.textContent = `Add hint to clue ${i + 1}`;
    this.removeButton.textContent = `Remove clue ${i + 1}`;
    const path = `clues.${i}`;
    this.title.dataset.path = `${path}.title`;
    this.body.dataset.path = `${path}.body`;
    this.points.dataset.path = `${path}.points`;
    this.answers.dataset.path = `${path}.answers`;
    this.afterClues.dataset.path = `${path}.unlock.afterClues`;
    this.afterFinds.dataset.path = `${path}.unlock.afterFinds`;
    this.afterMinutes.dataset.path = `${path}.unlock.afterMinutes`;
    this.hints.forEach((hint, j) => hint.number(i, j));
    this.addHintButton.disabled = this.hints.length >= MAX_HINTS;
  }

  addHint() {
    const hint = new Hint(() => {
      this.hints.splice(this.hints.indexOf(hint), 1);
      hint.node.remove();
      this.number(this.index);
      this.addHintButton.focus();
    });
    this.hints.push(hint);
    this.hintList.append(hint.node);
    this.number(this.index);
    hint.text.focus();
  }

  /** The clue as the API takes it; its problems go to `problems` under `path`. */
  read(/** @type {Problems} */ problems, /** @type {string} */ path) {
    const title = this.title.value.trim();
    problems.check(`${path}.title`, this.title, textProblem(title, 1, 200));
    problems.check(`${path}.body`, this.body, textProblem(this.body.value, 0, 10_000));
    const [points, pointsProblem] = integer(this.points.value, 1, 1_000_000, true);
    problems.check(`${path}.points`, this.points, pointsProblem);
    const answers = this.answers.value.split('\n').map((a) => a.trim()).filter((a) => a !== '');
    if (problems.check(`${path}.answers`, this.answers, countProblem(answers.length, 1, 50))) {
      answers.forEach((answer, j) => problems.check(`${path}.answers.${j}`, this.answers,
        textProblem(answer, 1, 1000) ?? (normalizesToNothing(answer) ? 'nothing is left after normalization' : null)));
    }
    /** @type {Record<string, any>} */
    const clue = { title, body: this.body.value, points, answers };
    /** @type {Record<string, any>} */
    const unlock = {};
    const [after, afterProblem, at] = integerList(this.afterClues.value, 1, MAX_INT);
    this.afterPositions = afterProblem ? [] : after;
    if (problems.check(`${path}.unlock.afterClues${afterProblem ? `.${at}` : ''}`, this.afterClues, afterProblem ?? countProblem(after.length, 0, 500))) {
      if (after.length > 0) unlock.afterClues = after;
    }
    for (const [name, control] of /** @type {const} */ ([['afterFinds', this.afterFinds], ['afterMinutes', this.afterMinutes]])) {
      const [n, problem] = integer(control.value, 1, MAX_INT);
      if (problems.check(`${path}.unlock.${name}`, control, problem) && n !== undefined) unlock[name] = n;
    }
    if (Object.keys(unlock).length > 0) clue.unlock = unlock;
    if (this.hints.length > 0) clue.hints = this.hints.map((hint, j) => hint.read(problems, `${path}.hints.${j}`));
    return clue;
  }
}

/** One hint of a clue: its text, sold for its cost. */
class Hint {
  /** @param {() => void} remove */
  constructor(remove) {
    this.text = el('textarea', { rows: 2 });
    this.cost = numberInput('0');
    this.legend = el('legend', {});
    this.removeButton = el('button', { type: 'button', className: 'danger', on: { click: remove } });
    this.node = el('fieldset', { className: 'hint-fields' }, this.legend,
      field('Hint text', this.text), field('Cost (points)', this.cost), this.removeButton);
  }

  number(/** @type {number} */ clue, /** @type {number} */ j) {
    this.legend.textContent = `Hint ${j + 1}`;
    this.removeButton.textContent = `Remove hint ${j + 1} of clue ${clue + 1}`;
    this.text.dataset.path = `clues.${clue}.hints.${j}.text`;
    this.cost.dataset.path = `clues.${clue}.hints.${j}.cost`;
  }

  read(/** @type {Problems} */ problems, /** @type {string} */ path) {
    problems.check(`${path}.text`, this.text, textProblem(this.text.value, 1, 2000));
    const [cost, problem] = integer(this.cost.value, 0, 10_000, true);
    problems.check(`${path}.cost`, this.cost, problem);
    return { text: this.text.value, cost };
  }
}
