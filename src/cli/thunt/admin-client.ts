// The admin HTTP API as thunt uses it: JSON in and out with the admin token, errors turned into
// one readable line (the API's `{ error, message }`, or why the engine could not be reached).
import { ApiFailure, CliError, oneLine } from './errors.ts';
import type { Settings } from './settings.ts';

// Admin writes wait at most 2 s for a lock (then 503), so a reply taking longer than this means
// something between thunt and the engine is stuck; streams (the standings CSV) have no limit.
const REQUEST_TIMEOUT_MS = 30_000;

export class AdminClient {
  readonly #settings: Settings;
  constructor(settings: Settings) { this.#settings = settings; }

  get origin(): string { return this.#settings.url.origin; }

  async get<T>(path: string): Promise<T> { return this.#json<T>('GET', path); }
  async post<T>(path: string, body?: unknown): Promise<T> { return this.#json<T>('POST', path, body ?? {}); }
  async patch<T>(path: string, body: unknown): Promise<T> { return this.#json<T>('PATCH', path, body); }

  /** A streamed response's body (the standings CSV), once the status says it is one. */
  async stream(path: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#send('GET', path, undefined, undefined);
    if (!res.body) throw new CliError(`empty reply from ${this.origin}${path}`);
    return res.body;
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#send(method, path, body, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    const text = await res.text();
    if (!text) return undefined as T; // 204
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${method} ${path}: the reply is not JSON (is THUNT_URL the engine's API? it is ${this.#settings.url.href})`);
    }
  }

  async #send(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    // Appended, not resolved: a THUNT_URL with a path (an engine behind a prefix) keeps it.
    const url = this.#settings.url.href.replace(/\/+$/, '') + path;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#settings.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (err) {
      throw this.#unreachable(err);
    }
    if (!res.ok) throw await failureOf(res, method, path);
    return res;
  }

  #unreachable(err: unknown): CliError {
    if (err instanceof Error && err.name === 'TimeoutError') {
      return new CliError(`no reply from the engine at ${this.origin} within ${REQUEST_TIMEOUT_MS / 1000} s`);
    }
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is in its cause,
    // or in the cause's list when both of localhost's addresses were tried.
    const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.find((e) => e.code)?.code ?? cause?.message ?? (err as Error).message;
    return new CliError(`cannot reach the engine at ${this.origin} (${oneLine(String(reason))}): is it running? Start it with npm start, or set THUNT_URL`);
  }
}

async function failureOf(res: Response, method: string, path: string): Promise<ApiFailure> {
  const text = await res.text().catch(() => '');
  let parsed: { error?: unknown; message?: unknown } | undefined;
  try { parsed = JSON.parse(text); } catch { /* not the API's error shape */ }
  if (parsed && typeof parsed.error === 'string') {
    const message = typeof parsed.message === 'string' && parsed.message ? parsed.message : parsed.error;
    return new ApiFailure(res.status, parsed.error, `${oneLine(message)} (${res.status} ${parsed.error})`);
  }
  // Not the engine's own error (a proxy in between, or THUNT_URL pointing elsewhere).
  return new ApiFailure(res.status, null, `${method} ${path}: ${res.status} ${res.statusText || 'error'} (not an error of the engine's API: check THUNT_URL)`);
}
