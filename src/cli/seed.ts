// `npm run seed -- --hunts N --players N --finds N [--seed S] [--clues N] [--prefix P] [--known-tokens] [--with-submissions]
//                  [--team-hunts N] [--rules] [--hints]`
// Generates a large deterministic data set into DATABASE_URL (or the embedded database of npm start).
// --team-hunts N: N of the hunts are team hunts (teams of up to 4 of their participants); --rules:
// every 4th clue waits for the one before, every 5th for 2 finds; --hints: every 3rd clue has two
// hints (costs 5 and 10), some bought by competitors. Without them, the data set is as it always was.
import { parseArgs } from 'node:util';
import { createAnswerHasher } from '../core/answer-hash.ts';
import { checkAnswerKey } from '../core/answer-key-check.ts';
import { loadConfig } from '../core/config.ts';
import { createPool } from '../core/db.ts';
import { migrate } from '../core/migrate.ts';
import { generateData } from '../seed/generate-data.ts';
import { prepareLocalEnvironment } from './local-environment.ts';

const { values } = parseArgs({
  options: {
    hunts: { type: 'string', default: '10' },
    players: { type: 'string', default: '1000' },
    finds: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    clues: { type: 'string', default: '20' },
    prefix: { type: 'string' },
    'known-tokens': { type: 'boolean', default: false },
    'with-submissions': { type: 'boolean', default: false },
    'team-hunts': { type: 'string', default: '0' },
    rules: { type: 'boolean', default: false },
    hints: { type: 'boolean', default: false },
  },
  strict: true,
});

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
}

function atMost(name: string, raw: string | undefined, max: number, maxName: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be an integer from 0 to ${maxName} (${max})`);
    process.exit(2);
  }
  return n;
}

const hunts = positive('hunts', values.hunts);
const spec = {
  hunts,
  players: positive('players', values.players),
  finds: positive('finds', values.finds),
  seed: positive('seed', values.seed),
  cluesPerHunt: positive('clues', values.clues),
  prefix: values.prefix ?? `s${values.seed}`,
  knownTokens: values['known-tokens'] ?? false,
  withSubmissions: values['with-submissions'] ?? false,
  teamHunts: atMost('team-hunts', values['team-hunts'], hunts, '--hunts'),
  rules: values.rules ?? false,
  hints: values.hints ?? false,
};
if (!/^[a-z0-9][a-z0-9-]{0,19}$/.test(spec.prefix)) {
  console.error('--prefix must be 1 to 20 of a-z, 0-9 and "-"');
  process.exit(2);
}

const config = loadConfig();
const env = await prepareLocalEnvironment(config, (msg) => console.log(msg));
const pool = createPool(env.databaseUrl, 4, 'seed');
try {
  await migrate(pool);
  const hasher = createAnswerHasher(env.answerHashKey);
  // Answers under another key would leave the database with hunts no API can judge.
  await checkAnswerKey(pool, hasher.keyId);
  const extras = [spec.teamHunts > 0 && `${spec.teamHunts} of them team hunts`, spec.rules && 'unlock rules', spec.hints && 'hints'].filter(Boolean);
  console.log(`seeding ${spec.hunts} hunts, ${spec.players} players, ${spec.finds} finds (seed ${spec.seed}, prefix ${spec.prefix})`
    + (extras.length > 0 ? `; ${extras.join(', ')}` : ''));
  const result = await generateData(pool, hasher, spec, (msg) => console.log(`  ${msg}`));
  console.log(`done: ${result.finds.toLocaleString('en-US')} finds in ${(result.ms / 1000).toFixed(1)} s; `
    + 'the hunts are marked dirty, a running worker publishes them');
} catch (err) {
  const message = (err as Error).message;
  console.error(/hunts_slug_key/.test(message) ? `hunts with prefix "${spec.prefix}" exist already; pass another --prefix or --seed` : message);
  process.exitCode = 1;
} finally {
  await pool.end();
  await env.embedded?.stop();
}
