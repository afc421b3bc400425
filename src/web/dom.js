// Building and replacing DOM. User text only ever goes in as text nodes (never as markup); HTML
// parts come from the server, which escaped every user text in them.

/**
 * An element with properties (`className`, `textContent`, `hidden`, `spellcheck`, ...), attributes
 * (names with a dash: `aria-*`, `data-*`; `for`, `class`, and any name the element has no
 * property for, such as `maxlength`; `true` is an empty attribute, `false` none), listeners
 * (`on: { click }`) and children (arrays flattened; strings become text; null, undefined and
 * false skipped).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'on') {
      for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    } else if (key.includes('-') || key === 'for' || key === 'class' || !(key in node)) {
      if (value !== false) node.setAttribute(key, value === true ? '' : String(value));
    } else {
      node[key] = value;
    }
  }
  // append() makes text nodes of strings: never markup.
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

/**
 * The top-level elements of an HTML part the server sent, parsed inert (DOMParser runs no
 * script and loads nothing).
 * @param {string} markup
 * @returns {Element[]}
 */
export function parseElements(markup) {
  return [...new DOMParser().parseFromString(markup, 'text/html').body.children];
}

/**
 * Puts `fresh` where the element with its id is, keeping keyboard focus on the element with the
 * same id inside it (a pager link, say) when focus was there.
 * @param {Element} fresh
 * @returns {Element | null} the element replaced, if there was one
 */
export function replaceById(fresh) {
  const old = document.getElementById(fresh.id);
  if (!old) return null;
  const focused = document.activeElement;
  const focusId = focused && focused !== old && old.contains(focused) ? focused.id : '';
  document.adoptNode(fresh);
  old.replaceWith(fresh);
  if (focusId) document.getElementById(focusId)?.focus();
  return old;
}

/** Shows or hides an element (the `hidden` attribute). */
export function show(/** @type {Element | null} */ element, /** @type {boolean} */ visible) {
  if (element) /** @type {HTMLElement} */ (element).hidden = !visible;
}

/** Sets an element's text (by id), when it is on the page. */
export function setText(/** @type {string} */ id, /** @type {string} */ text) {
  const element = document.getElementById(id);
  if (element) element.textContent = text;
}

/**
 * Handles a form's submission by script: `send` gets the trimmed value of its field (one at a
 * time: the form is marked busy meanwhile, rather than its button disabled, which would take
 * keyboard focus away); an empty field is told `empty` through `say` instead.
 * @param {Element | null} form
 * @param {string} field
 * @param {(message: string) => void} say
 * @param {string} empty
 * @param {(value: string) => Promise<void>} send
 */
export function onSubmit(form, field, say, empty, send) {
  if (!(form instanceof HTMLFormElement)) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    const value = String(new FormData(form).get(field) ?? '').trim();
    if (!value) {
      say(empty);
      return;
    }
    form.setAttribute('aria-busy', 'true');
    try {
      await send(value);
    } finally {
      form.removeAttribute('aria-busy');
    }
  });
}
