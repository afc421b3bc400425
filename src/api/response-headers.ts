// Headers every response carries: security headers for a JSON API, and CORS for the origins the
// operator allows (none by default: browsers on other origins cannot read responses).
import type { IncomingMessage, ServerResponse } from 'node:http';

const SECURITY_HEADERS: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'no-referrer'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['cross-origin-resource-policy', 'cross-origin'],
];

const EXPOSED = 'ETag, X-Snapshot-Version, X-Snapshot-Age-Ms, X-Snapshot-Stale, Retry-After, X-Request-Id';

/**
 * Sets the common headers. Returns true when the request was a CORS preflight, already answered.
 * `origins` is CORS_ORIGINS: exact origins, or "*" for any.
 */
export function applyResponseHeaders(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes('*') || origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origins.includes('*') ? '*' : origin);
    res.setHeader('access-control-expose-headers', EXPOSED);
  }
  if (origins.length > 0 && !origins.includes('*')) res.setHeader('vary', 'Origin');
  if (req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method']) {
    if (allowed) {
      res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PATCH');
      res.setHeader('access-control-allow-headers', 'Authorization, Content-Type, If-None-Match');
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204);
    res.end();
    return true;
  }
  return false;
}
