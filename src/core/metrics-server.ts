// prom-client helpers shared by both processes: a registry with the Node defaults and a tiny
// standalone /metrics server for the worker (the API serves /metrics on its own port).
import http from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { bearerToken, tokensEqual } from './tokens.ts';

export function createRegistry(processName: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `token`: the bearer token /metrics requires (METRICS_TOKEN); undefined: open. */
export async function serveMetrics(registry: Registry, host: string, port: number, token?: string): Promise<http.Server> {
  const authorized = (header: string | undefined) => {
    if (token === undefined) return true;
    const presented = bearerToken(header);
    return presented !== undefined && tokensEqual(presented, token);
  };
  const server = http.createServer((req, res) => {
    const isMetrics = req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'));
    if (isMetrics && !authorized(req.headers.authorization)) {
      // The API's shape and header for the same refusal (api-error.ts).
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end('{"error":"unauthorized","message":"the metrics token is required (METRICS_TOKEN)"}');
    } else if (isMetrics) {
      registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      }, (err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal', message: String(err) }));
      });
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found","message":"only /metrics and /healthz are served here"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
