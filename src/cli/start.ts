// `npm start`: the whole engine on one machine. Starts (or reuses) the database, applies
// migrations, seeds the demo into an empty database, then runs the API and the worker as child
// processes, exactly as `npm run api` and `npm run worker` run in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadConfig } from '../core/config.ts';
import { engineCommand, prepareDatabase, prepareLocalEnvironment } from './local-environment.ts';

const say = (msg: string) => console.log(`[start] ${msg}`);
const config = loadConfig();
const env = await prepareLocalEnvironment(config, say);

try {
  await prepareDatabase(env.databaseUrl, env.answerHashKey, config.seedDemo, say);
} catch (err) {
  // Refused (or failed) before anything ran: say why, and leave no embedded server behind.
  console.error(`[start] ${(err as Error).message}`);
  await env.embedded?.stop().catch(() => undefined);
  process.exit(1);
}

const childEnv = {
  ...process.env,
  DATABASE_URL: env.databaseUrl,
  ADMIN_TOKEN: env.adminToken,
  ANSWER_HASH_KEY: env.answerHashKey,
};
const children = new Map<string, ChildProcess>();
let shuttingDown = false;

function run(name: 'api' | 'worker'): ChildProcess {
  const { command, args, env } = engineCommand(name);
  const child = spawn(command, args, { env: { ...childEnv, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!shuttingDown) {
      say(`${name} exited unexpectedly (${signal ?? code}); stopping`);
      void shutdown(1);
    } else {
      if (code !== 0) exitCode = 1; // a child that failed to stop cleanly fails the whole run
      if (children.size === 0) void finish();
    }
  });
  children.set(name, child);
  return child;
}

let exitCode = 0;
async function finish(): Promise<void> {
  await env.embedded?.stop().catch(() => undefined);
  process.exit(exitCode);
}

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  exitCode = code;
  if (children.size === 0) return finish();
  for (const child of children.values()) child.kill('SIGTERM');
  // The children finish their in-flight work; if one hangs, do not hang with it.
  setTimeout(() => { for (const child of children.values()) child.kill('SIGKILL'); }, 30_000).unref();
}

run('worker');
run('api');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(0));

const shown = (host: string) => host === '0.0.0.0' ? 'localhost' : host;
const host = shown(config.host);
say(`API:            http://${host}:${config.port}  (try http://${host}:${config.port}/v1/hunts)`);
say(`worker metrics: http://${shown(config.metricsHost)}:${config.workerMetricsPort}/metrics`);
say(`admin token:    ${env.adminToken}`);
