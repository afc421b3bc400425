// Bench data: generateData's deterministic hunts, then one full rebuild by the engine's own worker
// code, so every document is published before any server starts.
import { createAnswerHasher } from '../../src/core/answer-hash.ts';
import type { Pool } from '../../src/core/db.ts';
import { generateData } from '../../src/seed/generate-data.ts';
import { fullRebuild } from '../../src/worker/full-rebuild.ts';

/** The answer-hash key the bench seeds with; API processes of the bench must use the same. */
export const BENCH_ANSWER_HASH_KEY = 'bench-answer-hash-key-0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface BenchDataSpec {
  hunts: number;
  /** Ranked players per hunt (every participant gets finds, so all of them rank). */
  playersPerHunt: number;
  /** Each participant finds half of them (generateData's shape). */
  cluesPerHunt?: number;
  seed?: number;
  prefix?: string;
  /** Seeded players' tokens are `<prefix>-token-<n>` (for benches that answer as them). */
  knownTokens?: boolean;
  /** The game model (generateData's options): the last N hunts are team hunts (teams of up to 4). */
  teamHunts?: number;
  /** Unlock rules: every 4th clue waits for the one before, every 5th for 2 finds. */
  rules?: boolean;
  /** Every 3rd clue has two hints, some bought. */
  hints?: boolean;
}

export interface BenchData {
  slugs: string[];
  huntIds: string[];
  players: number;
  finds: number;
  seedMs: number;
  publishMs: number;
  documents: number;
}

export async function seedAndPublish(pool: Pool, spec: BenchDataSpec, log: (msg: string) => void = console.log): Promise<BenchData> {
  const clues = spec.cluesPerHunt ?? 20;
  const prefix = spec.prefix ?? 'bench';
  // generateData sizes participants per hunt as ceil(2 * finds per hunt / clues): choose the finds
  // so that it comes out at playersPerHunt. Players: a pool 40 times that, as README's example.
  const findsPerHunt = Math.floor((spec.playersPerHunt * clues) / 2);
  const players = spec.playersPerHunt * 40;
  log(`seeding ${spec.hunts} hunts x ${spec.playersPerHunt} players (${(findsPerHunt * spec.hunts).toLocaleString('en-US')} finds)...`);
  const seeded = await generateData(pool, createAnswerHasher(BENCH_ANSWER_HASH_KEY), {
    hunts: spec.hunts, players, finds: findsPerHunt * spec.hunts, seed: spec.seed ?? 1, cluesPerHunt: clues,
    prefix, knownTokens: spec.knownTokens ?? false, withSubmissions: false,
    teamHunts: spec.teamHunts ?? 0, rules: spec.rules ?? false, hints: spec.hints ?? false,
  });
  // A database that has been running has been vacuumed and analyzed by autovacuum; one bulk
  // loaded a second ago has not (no visibility map: index-only scans read the heap; no statistics).
  await pool.query('vacuum analyze');
  log(`seeded in ${(seeded.ms / 1000).toFixed(1)} s; publishing every hunt (full rebuild)...`);
  const rebuilt = await fullRebuild(pool);
  log(`published ${rebuilt.documentsChanged.toLocaleString('en-US')} documents in ${(rebuilt.durationMs / 1000).toFixed(1)} s`);
  const { rows } = await pool.query<{ slug: string; id: string }>(
    'select slug, id from hunts where id = any($1::uuid[]) order by created_at, slug', [seeded.huntIds]);
  return {
    slugs: rows.map((r) => r.slug), huntIds: rows.map((r) => r.id), players, finds: seeded.finds,
    seedMs: seeded.ms, publishMs: rebuilt.durationMs, documents: rebuilt.documentsChanged,
  };
}
