// `npm run cluster`: the production shape on one machine, on loopback. nginx (deploy/nginx.conf) in
// front of API_INSTANCES API processes on their own ports, 2 workers, and PgBouncer
// (deploy/pgbouncer.ini) between the API instances' pools and PostgreSQL: DATABASE_URL's server,
// or the embedded one of `npm start` (the same .data/, admin token and answer key). Prints nginx's
// URL; Ctrl-C (SIGINT) or SIGTERM stops everything it started and removes its temp directory.
import path from 'node:path';
import { loadConfig } from '../core/config.ts';
import { startCluster, line, type ClusterHandle } from './cluster/cluster.ts';
import { prepareDatabase, prepareLocalEnvironment } from './local-environment.ts';

const say = (msg: string) => console.log(`[cluster] ${msg}`);
const config = loadConfig();
const env = await prepareLocalEnvironment(config, say);

let starting: Promise<ClusterHandle> | undefined;
let stopping: Promise<void> | undefined;
// Signals from the start: one arriving while starting stops what has started so far.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(0, signal));

async function shutdown(code: number, why: string): Promise<void> {
  stopping ??= (async () => {
    say(`stopping (${why})`);
    // Still starting: wait for it (a failed start has stopped what it started).
    const cluster = await starting?.catch(() => undefined);
    const clean = await cluster?.stop().catch((err: Error) => { console.error(`[cluster] ${err.message}`); return false; }) ?? true;
    await env.embedded?.stop().catch(() => undefined);
    process.exit(clean ? code : 1);
  })();
  return stopping;
}

let cluster: ClusterHandle | undefined;
try {
  // The direct URL: a DATABASE_DIRECT_URL set apart from DATABASE_URL names the server itself.
  const databaseUrl = config.databaseUrl === undefined ? env.databaseUrl : config.databaseDirectUrl!;
  await prepareDatabase(databaseUrl, env.answerHashKey, config.seedDemo, say);
  starting = startCluster({
    databaseUrl, adminToken: env.adminToken, answerHashKey: env.answerHashKey,
    port: config.port, apiInstances: config.apiInstances, log: say,
  });
  cluster = await starting;
} catch (err) {
  // Refused (or failed) before anything served: say why; nothing is left behind.
  console.error(`[cluster] ${(err as Error).message}`);
  await shutdown(1, 'could not start');
}

if (cluster && !stopping) {
  void cluster.failed.then((why) => {
    console.error(`[cluster] ${why}`);
    return shutdown(1, 'a process the cluster needs exited');
  });
  say(line('run dir', `${cluster.runDir} (nginx and PgBouncer configurations and logs; removed at exit)`));
  say(line('URL', `${cluster.url}  (try ${cluster.url}/v1/hunts)`));
  say(line('admin token', config.adminToken ? 'ADMIN_TOKEN' : path.join(config.dataDir, 'admin-token')));
}
