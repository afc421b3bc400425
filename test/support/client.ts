// A small HTTP client for tests: real requests over loopback, JSON in and out.
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A request a Client made and the reply it got (kept while recording: see startRecording). */
export interface Exchange { method: string; path: string; requestHeaders: Record<string, string>; reply: Reply }

let recording: Exchange[] | undefined;

/**
 * From now on every Client's exchanges are appended to the returned list, until stopRecording():
 * test/support/openapi-check.ts checks them against the OpenAPI document. One recorder at a time
 * (mocha runs files one after another).
 */
export function startRecording(): Exchange[] {
  recording = [];
  return recording;
}

export function stopRecording(): void {
  recording = undefined;
}

export class Client {
  readonly base: string;
  constructor(base: string) { this.base = base; }

  async request<T = any>(method: string, path: string, opts: { body?: unknown; raw?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers, body });
    const text = await res.text();
    let parsed: any = undefined;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    const reply: Reply<T> = { status: res.status, headers: res.headers, body: parsed as T, text };
    recording?.push({ method, path, requestHeaders: headers, reply });
    return reply;
  }

  get<T = any>(path: string, opts?: { token?: string; headers?: Record<string, string> }) { return this.request<T>('GET', path, opts); }
  post<T = any>(path: string, body?: unknown, opts?: { token?: string; headers?: Record<string, string> }) { return this.request<T>('POST', path, { ...opts, body }); }
  patch<T = any>(path: string, body?: unknown, opts?: { token?: string }) { return this.request<T>('PATCH', path, { ...opts, body }); }
  delete<T = any>(path: string, opts?: { token?: string }) { return this.request<T>('DELETE', path, opts); }
}
