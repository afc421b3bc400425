// The physical limit of the read path on this machine: node:http answering bytes from a Map,
// nothing else (no routing, no metrics, only the headers a client needs). The read bench serves
// the same leaderboard pages the API serves, so the two differ only in our code.
// RAW_API_HEADERS=1 adds the API's other response headers (security, ETag, snapshot version and
// age, Cache-Control) with fixed values: what the bytes on the wire cost, apart from our code.
// Env: PORT; RAW_DOCUMENTS, a JSON file of { "<path with query>": "<body>" }; RAW_API_HEADERS.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const documents = new Map<string, Buffer>(
  Object.entries(JSON.parse(readFileSync(process.env.RAW_DOCUMENTS!, 'utf8')) as Record<string, string>)
    .map(([path, body]) => [path, Buffer.from(body)]),
);
const apiHeaders = process.env.RAW_API_HEADERS === '1';
const SECURITY = {
  'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'", 'cross-origin-resource-policy': 'cross-origin',
};
const generatedAt = Date.now();

const server = http.createServer((req, res) => {
  const body = documents.get(req.url ?? '');
  if (!body) {
    res.writeHead(req.url === '/' ? 200 : 404).end();
    return;
  }
  res.writeHead(200, apiHeaders
    ? {
      ...SECURITY, 'etag': '"pCxDhqCgnE.1"', 'x-snapshot-version': '1', 'x-snapshot-age-ms': String(Date.now() - generatedAt),
      'cache-control': 'public, max-age=1', 'content-type': 'application/json; charset=utf-8', 'content-length': body.length,
    }
    : { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => { server.close(); server.closeAllConnections(); });
