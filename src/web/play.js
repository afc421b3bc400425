// The player's side of a hunt page: joining (a new handle, or a transfer code from another
// device), the player's own view of the hunt (GET /v1/me/hunts/:slug: points, rank, which clues
// are open or found, their texts and hints), laid over the public page, and the code to continue
// on another device.
import { forgetPlayer, isPlayerChange, request, retryAfter, savedPlayer, savePlayer } from './api.js';
import { cluePlayer } from './clue-play.js';
import { el, onSubmit, setText, show } from './dom.js';
import { LIVE_INTERVAL_MS, serial } from './serial.js';
import { teamPanel } from './team.js';

const STATE_TEXT = { locked: 'Locked', open: 'Open', found: 'Found' };
const LOCKED_TEXT = 'Locked: it opens once its conditions are met.';

/**
 * @typedef {import('./clue-play.js').OwnClue} OwnClue
 * @typedef {{ hunt: string, mode: string, competitor: import('./team.js').Competitor | null,
 *   points: number, cluesFound: number, clues: OwnClue[], rank: number | null }} OwnView
 */

/** @param {string} slug @param {string} mode */
export function startPlay(slug, mode) {
  let player = savedPlayer();
  /** @type {OwnView | null} */
  let view = null;
  let viewEtag = '';
  const team = mode === 'team' ? teamPanel(slug, () => player, () => refreshNow()) : null;
  const clues = cluePlayer(slug, () => player?.token, () => refreshNow());

  const refreshOwn = serial(async () => {
    if (!player) return;
    const res = await request('GET', `/v1/me/hunts/${encodeURIComponent(slug)}`, { token: player.token, etag: viewEtag });
    if (res.status === 200) {
      view = res.body;
      viewEtag = res.headers.get('etag') ?? '';
      apply();
    } else if (res.status === 401) {
      // The token is not known (a database reset, say): this browser joins again.
      forgetPlayer();
      location.reload();
    }
  }, LIVE_INTERVAL_MS);
  /** After the player's own action: at once. */
  const refreshNow = () => refreshOwn(true);

  /** The player's view laid over the page (again after each part the server sent). */
  function apply() {
    show(document.getElementById('join'), !player);
    show(document.getElementById('player'), !!player);
    if (player) setText('player-handle', player.handle);
    if (!player || !view) return;
    setText('player-points', String(view.points));
    setText('player-rank', view.rank === null ? 'Not ranked yet' : String(view.rank));
    document.getElementById('player-rank')?.classList.toggle('unranked', view.rank === null);
    setText('player-found', String(view.cluesFound));
    markOwnRow();
    const live = document.getElementById('hunt-status')?.getAttribute('data-status') === 'live';
    const playable = live && (mode !== 'team' || view.competitor !== null);
    for (const clue of view.clues) {
      const item = document.getElementById(`clue-${clue.id}`);
      const region = item?.querySelector('section');
      if (!item || !region) continue;
      item.setAttribute('data-state', clue.state);
      const title = region.querySelector('h3');
      const body = region.querySelector('.clue-body');
      const state = region.querySelector('.clue-state');
      if (title) title.textContent = clue.title ?? `Clue ${clue.position}`;
      if (body) body.textContent = clue.body ?? LOCKED_TEXT;
      if (state) state.textContent = STATE_TEXT[clue.state];
      clues.update(region, clue, playable);
    }
    team?.apply(view);
  }

  /** The player's (or their team's) row of the leaderboard, marked. */
  function markOwnRow() {
    const id = view?.competitor?.id;
    for (const row of document.querySelectorAll('#leaderboard tr[data-competitor]')) {
      const own = row.getAttribute('data-competitor') === id;
      row.classList.toggle('own', own);
      if (own) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
  }

  function start(/** @type {import('./api.js').Player} */ joined) {
    savePlayer(joined);
    player = joined;
    view = null;
    viewEtag = '';
    apply();
    refreshNow();
  }

  const joinMessage = (/** @type {string} */ text) => setText('join-message', text);
  onSubmit(document.getElementById('join-form'), 'handle', joinMessage, 'Type a handle first.', async (handle) => {
    const res = await request('POST', '/v1/players', { body: { handle } });
    if (res.status === 201) return start(res.body);
    joinMessage(res.body?.error === 'handle_taken' ? 'That handle is taken: choose another.'
      : res.body?.error === 'invalid_body' ? 'A handle is 3 to 32 letters, digits, _ or -.'
        : res.status === 429 ? `Too many new players from here: try again in ${retryAfter(res.headers)} s.`
          : 'Joining did not work: try again.');
  });
  onSubmit(document.getElementById('claim-form'), 'code', joinMessage, 'Type the transfer code first.', async (code) => {
    const res = await request('POST', '/v1/players/claim', { body: { code } });
    if (res.status === 200) return start(res.body);
    joinMessage(res.status === 404 ? 'That code is unknown, used or expired: ask your other device for a new one.'
      : res.status === 429 ? `Too many tries: wait ${retryAfter(res.headers)} s.` : 'That did not work: try again.');
  });
  document.getElementById('transfer-button')?.addEventListener('click', async () => {
    if (!player) return;
    const res = await request('POST', '/v1/me/transfer-codes', { token: player.token });
    if (res.status !== 201) return setText('transfer-message', 'No code could be made: try again.');
    const until = new Date(res.body.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    document.getElementById('transfer-message')?.replaceChildren('On your other device, open this hunt and type the transfer code ',
      el('strong', { id: 'transfer-code', class: 'code' }, res.body.code), ` (valid once, until ${until}).`);
  });
  // Joined (or continued) in another tab: this one plays as the same player.
  window.addEventListener('storage', (event) => {
    if (!isPlayerChange(event)) return;
    const saved = savedPlayer();
    if (saved?.token === player?.token) return;
    if (!saved) return location.reload();
    start(saved);
  });

  apply();
  refreshOwn();

  return {
    /** After a part of the page was swapped in: lay the player's view over it again. */
    reapply: apply,
    /** An update from the event stream: re-read the player's view when it may have changed. */
    onUpdate(/** @type {import('./live.js').Update} */ update) {
      if (!player) return;
      const documents = new Set(update.documents);
      const id = view?.competitor?.id;
      // Rank moves with the leaderboard; clues with the hunt; without a competitor yet (a team
      // being formed), any change may be the player's.
      if (!id || update.competitors.includes(id) || documents.has('leaderboard') || documents.has('hunt')) refreshOwn();
      team?.onUpdate(update.competitors);
    },
  };
}
