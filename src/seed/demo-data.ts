// The demo `npm start` seeds into an empty database: live hunts with players and finds, so a
// newcomer sees real leaderboards at once. Every clue's answer is "gold <position>".
import type { AnswerHasher } from '../core/answer-hash.ts';
import type { Pool } from '../core/db.ts';
import { generateData } from './generate-data.ts';

const DEMO_HUNTS = [
  { slug: 'harbour-lights', title: 'Harbour Lights', description: 'Follow the lighthouses along the old harbour.' },
  { slug: 'museum-midnight', title: 'Museum Midnight', description: 'Riddles hidden among the exhibits.' },
  { slug: 'campus-caper', title: 'Campus Caper', description: 'A scavenger hunt across the university grounds.' },
];

export async function seedDemo(pool: Pool, hasher: AnswerHasher): Promise<{ seeded: boolean }> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from hunts');
  if ((rows[0]?.n ?? 0) > 0) return { seeded: false };
  const result = await generateData(pool, hasher, {
    hunts: DEMO_HUNTS.length, players: 60, finds: 900, seed: 1, cluesPerHunt: 10, prefix: 'demo', knownTokens: false, withSubmissions: true,
  });
  for (const [i, hunt] of DEMO_HUNTS.entries()) {
    await pool.query('update hunts set slug = $2, title = $3, description = $4 where id = $1',
      [result.huntIds[i], hunt.slug, hunt.title, hunt.description]);
  }
  return { seeded: true };
}
