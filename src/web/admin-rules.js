// The admin API's input rules (src/api/request-schemas.ts and the checks of src/api/hunt-admin.ts),
// checked in the browser before a request, with the messages the server gives for the same input,
// so what the organiser reads does not depend on which side caught it.

export const SLUG = /^[a-z0-9][a-z0-9-]{1,63}$/;
export const SLUG_MESSAGE = 'slug must match ^[a-z0-9][a-z0-9-]{1,63}$';
export const MAX_INT = 2_147_483_647;

/** Problems found in a form: the API's path of each value, its message and its control. */
export class Problems {
  constructor() {
    /** @type {{ path: string, message: string, control: Element }[]} */
    this.list = [];
  }

  /** Records `message` (when not null) against `control`; returns whether the value was fine. */
  check(/** @type {string} */ path, /** @type {Element} */ control, /** @type {string | null} */ message) {
    if (message) this.list.push({ path, message, control });
    return !message;
  }
}

/** zod's messages for a string's length (counted in UTF-16 units, as zod does). */
export function textProblem(/** @type {string} */ value, /** @type {number} */ min, /** @type {number} */ max) {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (value.length < min) return `Too small: expected string to have >=${min} characters`;
  if (value.length > max) return `Too big: expected string to have <=${max} characters`;
  return null;
}

/** zod's messages for an array's length. */
export function countProblem(/** @type {number} */ count, /** @type {number} */ min, /** @type {number} */ max) {
  if (count < min) return `Too small: expected array to have >=${min} items`;
  if (count > max) return `Too big: expected array to have <=${max} items`;
  return null;
}

/**
 * A whole number typed in a field: [the number, or undefined when empty; zod's message or null].
 * @returns {[number | undefined, string | null]}
 */
export function integer(/** @type {string} */ raw, /** @type {number} */ min, /** @type {number} */ max, required = false) {
  const text = raw.trim();
  if (text === '') return [undefined, required ? 'Invalid input: expected number, received undefined' : null];
  const n = Number(text);
  if (!Number.isFinite(n)) return [undefined, 'Invalid input: expected number, received string'];
  if (!Number.isInteger(n)) return [n, 'Invalid input: expected int, received number'];
  if (n < min) return [n, `Too small: expected number to be >=${min}`];
  if (n > max) return [n, `Too big: expected number to be <=${max}`];
  return [n, null];
}

/**
 * A comma-separated list of whole numbers ("5, 3, 1"): each checked as integer(); the first
 * problem names its index, as the API's path does ("firstFinderBonus.0").
 * @returns {[number[], string | null, number | null]} the numbers, a message, the index it is about
 */
export function integerList(/** @type {string} */ raw, /** @type {number} */ min, /** @type {number} */ max) {
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const numbers = [];
  for (const [i, part] of parts.entries()) {
    const [n, problem] = integer(part, min, max, true);
    if (problem) return [numbers, problem, i];
    numbers.push(n);
  }
  return [numbers, null, null];
}

/**
 * A datetime-local value (the reader's zone) as an ISO instant: [instant or null when empty, message].
 * @returns {[string | null, string | null]}
 */
export function instant(/** @type {string} */ raw) {
  if (raw.trim() === '') return [null, null];
  const at = new Date(raw);
  return Number.isNaN(at.getTime()) ? [null, 'Invalid input'] : [at.toISOString(), null];
}

// src/core/answer-hash.ts: an answer of only punctuation, symbols and spaces matches nothing.
const STRIP = /[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}]/gu;
export const normalizesToNothing = (/** @type {string} */ answer) =>
  answer.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(STRIP, '') === '';

/**
 * hunt-admin.ts unlockPositions(): every afterClues position names another clue of the hunt, and
 * no clue waits on itself through others. The first problem: [clue index, message], or null.
 * @param {number[][]} afterClues per clue, the positions it waits for
 * @returns {[number, string] | null}
 */
export function unlockProblem(afterClues) {
  const count = afterClues.length;
  for (const [i, positions] of afterClues.entries()) {
    for (const position of positions) {
      if (position > count) {
        return [i, `clue ${i + 1} waits for clue ${position}, but the hunt has ${count} clue${count === 1 ? '' : 's'} (positions are 1-based)`];
      }
      if (position === i + 1) return [i, `clue ${i + 1} waits for itself`];
    }
  }
  /** @type {('visiting' | 'done' | undefined)[]} */
  const state = [];
  /** @type {number[]} */
  const path = [];
  /** @returns {[number, string] | null} */
  const visit = (/** @type {number} */ position) => {
    if (state[position] === 'done') return null;
    if (state[position] === 'visiting') {
      const cycle = [...path.slice(path.indexOf(position)), position];
      return [position - 1, `clue ${position} can never unlock, its rule is part of a cycle: `
        + `clue ${cycle[0]} waits for ${cycle.slice(1).map((p) => `clue ${p}`).join(', which waits for ')}`];
    }
    state[position] = 'visiting';
    path.push(position);
    for (const next of new Set(afterClues[position - 1])) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state[position] = 'done';
    return null;
  };
  for (let position = 1; position <= count; position++) {
    const found = visit(position);
    if (found) return found;
  }
  return null;
}
