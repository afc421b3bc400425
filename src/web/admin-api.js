// The admin API as the console calls it. The admin token lives in this tab's session storage and
// travels only as an Authorization header: never in a URL, never logged. Requests go through the
// web app's one JSON client (api.js); errors become ApiError with the API's code and message.
import { request } from './api.js';

const TOKEN_KEY = 'treasure-hunt.admin-token';

export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (/** @type {string} */ token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error reply: the API's status, code and message ({"error", "message"}). */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * A JSON request with the token; resolves to the reply's body (null for 204).
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  return replyOf(await request(method, path, { body, token: adminToken.get() ?? undefined }));
}

/** The body of a reply, or its error thrown. @param {{ status: number, body: any }} res */
function replyOf({ status, body }) {
  if (status === 0) throw new ApiError(0, 'network_error', 'the engine could not be reached; check the connection and try again');
  if (status >= 400) throw new ApiError(status, body?.error ?? `http_${status}`, body?.message ?? `the engine answered ${status}`);
  return body;
}

/** A GET's reply as a file (the standings CSV): fetched with the header, so no token in a link. */
export async function fetchFile(/** @type {string} */ path) {
  let res;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${adminToken.get() ?? ''}` }, cache: 'no-store' });
  } catch {
    return replyOf({ status: 0, body: null });
  }
  if (!res.ok) return replyOf({ status: res.status, body: await res.json().catch(() => null) });
  return res.blob();
}

/** GET of a public document (no token): null when there is none (404). */
export async function publicDocument(/** @type {string} */ path) {
  const res = await request('GET', path);
  if (res.status === 404) return null;
  return replyOf(res);
}

/** A path segment (slugs and ids are plain, but nothing reaches a URL unescaped). */
export const seg = (/** @type {string} */ value) => encodeURIComponent(value);
