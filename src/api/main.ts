// `npm run api`: one API process against DATABASE_URL. Run one per core behind any load
// balancer; they share nothing but the database.
import { loadConfig, requireSetting } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { stopOnSignals } from '../core/stop-on-signals.ts';
import { startApi } from './server.ts';

const config = loadConfig();
const log = createLogger('api', config.logLevel);
const api = await startApi({
  ...config,
  databaseUrl: requireSetting(config.databaseUrl, 'DATABASE_URL'),
  adminToken: requireSetting(config.adminToken, 'ADMIN_TOKEN'),
  answerHashKey: requireSetting(config.answerHashKey, 'ANSWER_HASH_KEY'),
}, { log });

stopOnSignals(() => api.stop(), log);
