// How a page leaves the process: its bytes made once per version (and gzipped once), a tag from
// the versions it was made from, the pages' Content-Security-Policy, and the encoding the client
// accepts.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Html } from './html.ts';

/** A body and its compressed forms. */
export interface Encoded { body: Buffer; gzip: Buffer; br?: Buffer }

export interface RenderedPage extends Encoded { etag: string }

// Scripts and styles only from this origin (no inline script, no eval); the page talks to its own
// API only; it cannot be framed. Images: data: for the icon.
export const PAGE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** The page's bytes, made once: gzip at level 6 costs well under a millisecond for a page. */
export function renderedPage(markup: Html): RenderedPage {
  const body = Buffer.from(markup.text);
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
  return { body, gzip: gzipSync(body, { level: 6 }), etag };
}

/** The best encoding of `encoded` the request accepts (q-values are not weighed: br > gzip > none). */
export function negotiate(req: IncomingMessage, encoded: Encoded): { body: Buffer; encoding: 'br' | 'gzip' | undefined } {
  const accepted = req.headers['accept-encoding'] ?? '';
  if (encoded.br && /\bbr\b/.test(accepted)) return { body: encoded.br, encoding: 'br' };
  if (/\bgzip\b/.test(accepted)) return { body: encoded.gzip, encoding: 'gzip' };
  return { body: encoded.body, encoding: undefined };
}

/**
 * Sends a page: 304 when If-None-Match matches, else the page in the best encoding accepted.
 * `private`: a page that depends on who asks (none do yet: players' parts are fetched by script).
 */
export function sendPage(req: IncomingMessage, res: ServerResponse, page: RenderedPage, status = 200): void {
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    // Revalidated on every visit (a 304 is a few bytes): a page is never older than its documents.
    'cache-control': 'no-cache',
    'etag': page.etag,
    'vary': 'Accept-Encoding',
  };
  if (status === 200 && req.headers['if-none-match'] === page.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const { body, encoding } = negotiate(req, page);
  if (encoding) headers['content-encoding'] = encoding;
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
