// A hunt page: times in the reader's zone and countdowns ticking; the player's own parts
// (play.js); live updates: the hunt's event stream (one per browser, live.js) says which
// documents changed, and the parts showing them are fetched again (parts.js).
import { followHunt } from './live.js';
import { huntParts } from './parts.js';
import { startPlay } from './play.js';
import { localizeTimes, startCountdowns } from './times.js';

localizeTimes();
startCountdowns();

const slug = document.body.getAttribute('data-hunt');
if (slug) startHuntPage(slug);

function startHuntPage(/** @type {string} */ slug) {
  const play = startPlay(slug, document.body.getAttribute('data-mode') ?? 'solo');
  const parts = huntParts(slug, () => play.reapply());
  /** Kinds of documents changed while the tab was hidden: fetched when it is shown again. */
  const pending = new Set();
  /** @type {string[]} */
  let pendingCompetitors = [];
  const refresh = (/** @type {import('./live.js').Update} */ update) => {
    const documents = new Set(update.documents);
    if (documents.has('hunt')) parts.refresh('detail');
    if (documents.has('leaderboard')) parts.refresh('leaderboard');
    if (documents.has('feed')) parts.refresh('feed');
    play.onUpdate(update);
  };
  followHunt(slug, (update) => {
    if (!document.hidden) return refresh(update);
    for (const kind of update.documents) pending.add(kind);
    pendingCompetitors = [...new Set([...pendingCompetitors, ...update.competitors])];
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden || (pending.size === 0 && pendingCompetitors.length === 0)) return;
    refresh({ seq: -1, documents: [...pending], competitors: pendingCompetitors });
    pending.clear();
    pendingCompetitors = [];
  });
}

