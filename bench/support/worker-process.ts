// `node src/worker/main.ts` as in production (`npm run worker`), ready once its /metrics answers.
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/core/embedded-postgres.ts';
import { spawnServer, type ServerProcess } from './processes.ts';

const WORKER_MAIN = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));

export async function spawnWorker(databaseUrl: string, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  return spawnServer({
    name: 'worker', script: WORKER_MAIN, port, readyPath: '/metrics', nodeArgs,
    env: { DATABASE_URL: databaseUrl, HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port), LOG_LEVEL: 'warn', ...env },
  });
}
