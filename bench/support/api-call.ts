// A bench's JSON requests to the API it spawned (admin ones by default): the parsed reply, or an
// error naming the request and the API's answer.
import { BENCH_ADMIN_TOKEN } from './seed.ts';

export function apiCaller(baseUrl: string) {
  return async <T = any>(method: string, path: string, body?: unknown, token = BENCH_ADMIN_TOKEN): Promise<T> => {
    const res = await fetch(baseUrl + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
