// The JSON API as the player's pages use it, and the player kept in this browser. The token is
// kept in localStorage and sent only in the Authorization header: never in a URL.

const PLAYER_KEY = 'treasure-hunt.player';

/** @typedef {{ id: string, handle: string, token: string }} Player */

/** The player this browser plays as, or null. @returns {Player | null} */
export function savedPlayer() {
  try {
    const player = JSON.parse(localStorage.getItem(PLAYER_KEY) ?? 'null');
    return player && typeof player.token === 'string' && typeof player.handle === 'string' ? player : null;
  } catch {
    return null;
  }
}

export function savePlayer(/** @type {Player} */ player) {
  localStorage.setItem(PLAYER_KEY, JSON.stringify({ id: player.id, handle: player.handle, token: player.token }));
}

export function forgetPlayer() {
  localStorage.removeItem(PLAYER_KEY);
}

/** Whether a storage event (another tab) changed the player. */
export function isPlayerChange(/** @type {StorageEvent} */ event) {
  return event.key === PLAYER_KEY || event.key === null;
}

/**
 * A JSON request. Resolves with the status, the body (parsed, or null) and the headers; a
 * network failure is status 0.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, token?: string, etag?: string }} [options]
 * @returns {Promise<{ status: number, body: any, headers: Headers }>}
 */
export async function request(method, path, { body, token, etag } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  if (etag) headers['if-none-match'] = etag;
  try {
    // no-store: the browser's cache neither answers nor revalidates on its own, so a 304 reaches us.
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  } catch {
    return { status: 0, body: null, headers: new Headers() };
  }
}

/** Seconds to wait from a 429 or 503 (Retry-After), at least 1. */
export function retryAfter(/** @type {Headers} */ headers) {
  const seconds = Number(headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1;
}

/** The hunt's path segment. */
export const huntPath = (/** @type {string} */ slug) => `/v1/hunts/${encodeURIComponent(slug)}`;
