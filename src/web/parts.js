// The hunt page's public parts, re-fetched from the server as HTML when the event stream says
// their documents changed (`/hunts/:slug/detail`, `/leaderboard?page=N`, `/feed`), with
// If-None-Match, and swapped in by id. The clue list is merged rather than replaced, so what a
// player is typing into an answer field (the script's part of each clue) survives the update.
import { parseElements, replaceById } from './dom.js';
import { LIVE_INTERVAL_MS, serial } from './serial.js';
import { localizeTimes } from './times.js';

/** @typedef {'detail' | 'leaderboard' | 'feed'} PartName */

/**
 * @param {string} slug
 * @param {(part: PartName) => void} onSwapped called after a part's new version is in the page
 */
export function huntParts(slug, onSwapped) {
  const base = `/hunts/${encodeURIComponent(slug)}`;
  /** @type {Map<string, string>} */
  const etags = new Map();
  let page = Number(document.getElementById('leaderboard')?.getAttribute('data-page')) || 1;

  /** @param {PartName} part @param {string} url */
  const refresher = (part, url) => serial(async () => {
    const target = url || `${base}/leaderboard?page=${page}`;
    const etag = etags.get(target);
    let res;
    try {
      res = await fetch(target, { cache: 'no-store', headers: etag ? { 'if-none-match': etag } : {} });
    } catch {
      return; // offline: the next update (or the stream's catch-up) fetches it again
    }
    if (res.status !== 200) return;
    const elements = parseElements(await res.text());
    etags.set(target, res.headers.get('etag') ?? '');
    for (const element of elements) {
      if (element.id === 'clues') mergeClues(element);
      else if (element.id === 'announcements') mergeAnnouncements(element);
      else replaceById(element);
    }
    for (const element of elements) localizeTimes(document.getElementById(element.id) ?? document);
    onSwapped(part);
  }, LIVE_INTERVAL_MS);
  const refreshers = {
    detail: refresher('detail', `${base}/detail`),
    leaderboard: refresher('leaderboard', ''),
    feed: refresher('feed', `${base}/feed`),
  };

  // Paging without reloading the page (the links work without a script too).
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('#leaderboard a[data-page]') : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    page = Number(link.getAttribute('data-page')) || 1;
    history.replaceState(null, '', `?page=${page}#leaderboard`);
    refreshers.leaderboard(true).then(() => {
      // Focus stays on the pager (the link followed may be gone on the last or first page).
      const leaderboard = document.getElementById('leaderboard');
      if (leaderboard && !leaderboard.contains(document.activeElement)) {
        /** @type {HTMLElement | null} */ (leaderboard.querySelector('a[data-page]'))?.focus();
      }
    });
  });

  return {
    /** @param {PartName} part */
    refresh: (part) => refreshers[part](),
  };
}

/**
 * The fresh announcements merged into the page's list, a live region: only the new ones are
 * added (and read out), withdrawn ones removed.
 */
function mergeAnnouncements(/** @type {Element} */ fresh) {
  const section = document.getElementById('announcements');
  const list = section?.querySelector('ul');
  const freshList = fresh.querySelector('ul');
  if (!section || !list || !freshList) {
    replaceById(fresh);
    return;
  }
  const key = (/** @type {Element} */ item) => item.getAttribute('data-announcement');
  const wanted = [...freshList.children];
  const ids = new Set(wanted.map(key));
  for (const item of [...list.children]) if (!ids.has(key(item))) item.remove();
  wanted.forEach((item, i) => {
    if (list.children[i] && key(list.children[i]) === key(item)) return;
    list.insertBefore(document.adoptNode(item), list.children[i] ?? null);
  });
  /** @type {HTMLElement} */ (section).hidden = fresh.hasAttribute('hidden');
}

/** The fresh clue list, merged into the page's: each clue's public parts replaced in place. */
function mergeClues(/** @type {Element} */ fresh) {
  const list = document.querySelector('#clues ol.clues');
  const freshList = fresh.querySelector('ol.clues');
  if (!list || !freshList) {
    replaceById(fresh);
    return;
  }
  const wanted = [...freshList.children];
  wanted.forEach((item, i) => {
    let current = document.getElementById(item.id);
    if (current && current.parentElement === list) updateClue(current, item);
    else current = /** @type {HTMLElement} */ (document.adoptNode(item));
    // Moved only when out of place: moving a node takes focus out of it.
    if (list.children[i] !== current) list.insertBefore(current, list.children[i] ?? null);
  });
  while (list.children.length > wanted.length) list.lastElementChild?.remove();
}

/** A clue's server-made parts replaced by the fresh ones; the script's part (.clue-play) kept. */
function updateClue(/** @type {Element} */ current, /** @type {Element} */ fresh) {
  current.setAttribute('data-state', fresh.getAttribute('data-state') ?? '');
  const region = current.querySelector('section');
  const freshRegion = fresh.querySelector('section');
  if (!region || !freshRegion) return;
  const kept = region.querySelector('.clue-play');
  for (const child of [...region.children]) if (child !== kept) child.remove();
  for (const child of [...freshRegion.children]) region.insertBefore(document.adoptNode(child), kept);
}
