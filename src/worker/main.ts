// `npm run worker`: one worker process against DATABASE_URL. Run as many as you like.
import { loadConfig, requireSetting } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { stopOnSignals } from '../core/stop-on-signals.ts';
import { startWorker } from './worker.ts';

const config = loadConfig();
const log = createLogger('worker', config.logLevel);
// Every connection of the worker needs a session (hunt locks held across statements, prepared
// reads, LISTEN, pg-boss): PostgreSQL itself, never a transaction pooler.
const databaseUrl = requireSetting(config.databaseDirectUrl, 'DATABASE_URL');
// Signals are handled from the start: a stop that arrives while starting (`npm start` stopped
// just after it began) waits for the start, then stops cleanly.
const worker = startWorker({ ...config, databaseUrl }, { metrics: true, log });
stopOnSignals(async () => (await worker).stop(), log);
await worker;
