// Every client-visible error is an ApiError: an HTTP status, one stable code per case, and a
// human message. The error handler (and the snapshot fast path) render them in one shape.
import type { ServerResponse } from 'node:http';

export type ErrorCode =
  | 'invalid_body' | 'invalid_query' | 'unauthorized' | 'not_found' | 'handle_taken' | 'slug_taken'
  | 'hunt_not_live' | 'invalid_transition' | 'rate_limited' | 'unavailable' | 'internal';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const unauthorized = (message = 'a valid bearer token is required') =>
  new ApiError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer' });
export const unavailable = (message = 'the database is unavailable; try again shortly') =>
  new ApiError(503, 'unavailable', message, { 'retry-after': '2' });

export function sendError(res: ServerResponse, err: ApiError): void {
  const body = JSON.stringify({ error: err.code, message: err.message });
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
