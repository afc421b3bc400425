// The organiser console at /admin: sign in with the admin token (kept in this tab's session
// storage), then one view at a time, named by the URL's fragment (never the token): "#" the
// hunts, "#new" a new hunt, "#hunt/<slug>" one hunt.
import { adminToken, api } from './admin-api.js';
import { busy, button, clearErrors, el, failed, say, setError } from './admin-dom.js';
import { huntForm } from './admin-hunt-form.js';
import { huntView } from './admin-hunt-view.js';
import { huntsList } from './admin-hunts-list.js';

const signIn = /** @type {HTMLFormElement} */ (document.getElementById('sign-in'));
const tokenInput = /** @type {HTMLInputElement} */ (document.getElementById('admin-token'));
const consoleRoot = /** @type {HTMLElement} */ (document.getElementById('console'));
const view = el('div', { className: 'view' });
let navigation = 0;

signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  busy(signIn, async () => {
    clearErrors(signIn);
    const token = tokenInput.value.trim();
    if (token === '') {
      setError(tokenInput, 'Enter the admin token.');
      tokenInput.focus();
      return say('Not signed in: enter the admin token.', 'error');
    }
    adminToken.set(token);
    try {
      await api('GET', '/v1/admin/hunts');
    } catch (err) {
      adminToken.clear();
      if (err.status !== 401) throw err;
      setError(tokenInput, 'This is not the engine\'s admin token.');
      tokenInput.focus();
      return say('Not signed in: the admin token was not accepted (401 unauthorized).', 'error');
    }
    tokenInput.value = '';
    showConsole(true);
    say('Signed in.');
    await route();
  });
});

// Any admin request refused (the engine's token changed): back to signing in.
document.addEventListener('admin:unauthorized', () => {
  signOut();
  say('Signed out: the admin token is no longer accepted. Sign in again.', 'error');
});

function signOut() {
  adminToken.clear();
  view.replaceChildren();
  showConsole(false);
  tokenInput.focus();
}

function showConsole(/** @type {boolean} */ signedIn) {
  signIn.hidden = signedIn;
  consoleRoot.hidden = !signedIn;
}

/** Shows the view the fragment names; a later navigation wins over one still loading. */
async function route() {
  if (!adminToken.get()) return;
  const current = ++navigation;
  const fragment = location.hash.slice(1);
  let next;
  try {
    if (fragment === 'new') {
      next = el('div', {}, el('p', {}, el('a', { href: '#' }, '← All hunts')), el('h2', { tabIndex: -1 }, 'Create a hunt'),
        huntForm((slug) => { location.hash = `hunt/${encodeURIComponent(slug)}`; }));
    } else if (fragment.startsWith('hunt/')) {
      next = await huntView(decodeURIComponent(fragment.slice('hunt/'.length)));
    } else {
      next = await huntsList();
    }
  } catch (err) {
    if (err.status !== 404) return failed(err);
    next = el('div', {}, el('h2', { tabIndex: -1 }, 'No such hunt'), el('p', {}, el('a', { href: '#' }, 'All hunts')));
  }
  if (current !== navigation) return;
  view.replaceChildren(next);
  const heading = next.querySelector('h2');
  document.title = `${heading?.textContent ?? 'Hunts'} · Organiser console`;
  heading?.focus();
}

consoleRoot.append(
  el('div', { className: 'console-bar' },
    el('nav', { 'aria-label': 'Console' }, el('a', { href: '#' }, 'Hunts'), el('a', { href: '#new' }, 'Create a hunt')),
    button('Sign out', () => { signOut(); say('Signed out.'); }, { className: 'secondary' })),
  view);
window.addEventListener('hashchange', () => { route(); });
if (adminToken.get()) {
  showConsole(true);
  route();
}
