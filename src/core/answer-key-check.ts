// Refuses to start with an ANSWER_HASH_KEY that did not hash the stored answers: every answer
// is compared as a keyed hash, so with the wrong key every correct answer would be judged wrong,
// silently. Used by the API and by the CLIs that write answers (seed, start).
import { ConfigError } from './config.ts';
import type { Pool } from './db.ts';

export async function checkAnswerKey(pool: Pool, keyId: string): Promise<void> {
  // A handful of key ids at most (two while a key is being rotated): stored answers with any of
  // them made by this key are fine, an empty table is too.
  const { rows } = await pool.query<{ key_id: string }>('select key_id from clue_answers group by key_id order by key_id');
  const stored = rows.map((r) => r.key_id);
  if (stored.length === 0 || stored.includes(keyId)) return;
  throw new ConfigError(`ANSWER_HASH_KEY does not match the key that hashed the stored answers (key id ${keyId}, `
    + `stored ${stored.join(', ')}); set ANSWER_HASH_KEY to the key used when the hunts were created`);
}
