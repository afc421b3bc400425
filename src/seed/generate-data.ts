// Deterministic bulk data for demos and benchmarks, generated set-based inside PostgreSQL:
// a few INSERT ... SELECT statements, never a row per round trip (2 million finds in seconds).
import type { AnswerHasher } from '../core/answer-hash.ts';
import { normalizeAnswer } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION } from '../core/answer-hash.ts';
import type { Pool } from '../core/db.ts';
import { withTransaction } from '../core/db.ts';

export interface SeedSpec {
  hunts: number;
  players: number;
  finds: number;
  seed: number;
  cluesPerHunt: number;
  /** Prefix of slugs and handles, so several data sets can live side by side. */
  prefix: string;
  /**
   * Give seeded players the token `<prefix>-token-<n>` (n = 1..players) instead of a random one.
   * For benchmarks that must act as those players; never for real hunts.
   */
  knownTokens: boolean;
}

/** The answer of clue `position` in every seeded hunt (documented for playing the demo). */
export const seededAnswer = (position: number) => `gold ${position}`;

export interface SeedResult { huntIds: string[]; players: number; finds: number; ms: number }

export async function generateData(pool: Pool, hasher: AnswerHasher, spec: SeedSpec, progress: (msg: string) => void = () => undefined): Promise<SeedResult> {
  const started = performance.now();
  const step = async (label: string, fn: () => Promise<number | void>) => {
    const t = performance.now();
    const n = await fn();
    progress(`${label}${typeof n === 'number' ? `: ${n.toLocaleString('en-US')} rows` : ''} (${Math.round(performance.now() - t)} ms)`);
  };
  const findsPerHunt = Math.floor(spec.finds / Math.max(1, spec.hunts));
  const clues = spec.cluesPerHunt;
  // Participants per hunt: enough that each finds about half the clues, capped by the players.
  const participantsPerHunt = Math.max(1, Math.min(spec.players, Math.ceil((findsPerHunt * 2) / clues)));
  if (findsPerHunt > participantsPerHunt * clues) {
    throw new Error(`cannot place ${findsPerHunt} finds per hunt with ${spec.players} players and ${clues} clues per hunt`);
  }
  const answerHashes = Array.from({ length: clues }, (_, i) => hasher.hash(normalizeAnswer(seededAnswer(i + 1))));
  const huntIds: string[] = [];

  await withTransaction(pool, async (tx) => {
    await step('players', async () => (await tx.query(
      `insert into players (handle, display_name, token_hash)
       select $1 || '_' || i, 'Player ' || i,
              case when $3 then sha256(convert_to($1 || '-token-' || i, 'UTF8'))
                   else sha256(uuid_send(gen_random_uuid())) end
         from generate_series(1, $2::int) as i
       on conflict do nothing`, [spec.prefix, spec.players, spec.knownTokens])).rowCount ?? 0);
    await tx.query(
      `create temporary table seed_players on commit drop as
       select i as n, p.id from generate_series(1, $2::int) as i
         join players p on lower(p.handle) = lower($1 || '_' || i)`, [spec.prefix, spec.players]);
    await tx.query('alter table seed_players add primary key (n)');

    await step('hunts', async () => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into hunts (slug, title, description, status, starts_at, created_at)
         select $1 || '-' || h, 'Seeded hunt ' || h, 'Generated with seed ' || $3::int, 'live',
                date_trunc('second', now()) - interval '1 day' + h * interval '1 minute',
                clock_timestamp()
           from generate_series(1, $2::int) as h
         returning id`, [spec.prefix, spec.hunts, spec.seed]);
      huntIds.push(...rows.map((r) => r.id));
      return rows.length;
    });

    await step('clues', async () => (await tx.query(
      `insert into clues (hunt_id, position, title, body, points)
       select h.id, q, 'Clue ' || q, 'Find gold number ' || q || '.', 10 * (1 + (q - 1) % 5)
         from unnest($1::uuid[]) as h(id), generate_series(1, $2::int) as q`, [huntIds, clues])).rowCount ?? 0);

    await step('accepted answers', async () => (await tx.query(
      `insert into clue_answers (clue_id, key_id, norm_version, answer_hash)
       select c.id, $2, $3, ($4::bytea[])[c.position]
         from clues c where c.hunt_id = any($1::uuid[])`,
      [huntIds, hasher.keyId, NORMALIZATION_VERSION, answerHashes])).rowCount ?? 0);

    // Each hunt: participants are a deterministic window of players; finds are the first
    // findsPerHunt of all (participant, clue) pairs in a seeded pseudo-random order.
    await step('placing finds', async () => (await tx.query(
      `create temporary table seed_finds on commit drop as
       with hunt as (
         select id, starts_at, row_number() over (order by created_at, slug) as h
           from hunts where id = any($1::uuid[])
       ), pairs as (
         select hunt.id as hunt_id, hunt.starts_at, c.id as clue_id, c.points,
                sp.id as player_id,
                row_number() over (partition by hunt.id
                  order by hashtext($2::text || ':' || hunt.h || ':' || j || ':' || c.position)) as pick
           from hunt
           cross join generate_series(0, $4::int - 1) as j
           join seed_players sp on sp.n = 1 + ((hunt.h * 7919 + j) % $3::int)
           join clues c on c.hunt_id = hunt.id
       )
       select hunt_id, clue_id, player_id, points,
              starts_at + (pick * interval '997 milliseconds') + (hashtext(player_id::text) & 1023) * interval '1 millisecond' as found_at
         from pairs where pick <= $5::int`,
      [huntIds, spec.seed, spec.players, participantsPerHunt, findsPerHunt])).rowCount ?? 0);

    await step('participants', async () => (await tx.query(
      `insert into hunt_participants (hunt_id, player_id, joined_at)
       select hunt_id, player_id, min(found_at) from seed_finds group by hunt_id, player_id`)).rowCount ?? 0);
    await step('finds', async () => (await tx.query(
      `insert into finds (player_id, clue_id, hunt_id, points, found_at)
       select player_id, clue_id, hunt_id, points, found_at from seed_finds`)).rowCount ?? 0);
    await step('score events', async () => (await tx.query(
      `insert into score_events (hunt_id, player_id, points, reason, clue_id, occurred_at)
       select hunt_id, player_id, points, 'find', clue_id, found_at from seed_finds`)).rowCount ?? 0);
    await step('submissions', async () => (await tx.query(
      `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct, submitted_at)
       select f.hunt_id, f.clue_id, f.player_id, $1, ($2::bytea[])[c.position], true, f.found_at
         from seed_finds f join clues c on c.id = f.clue_id`, [hasher.keyId, answerHashes])).rowCount ?? 0);
    await step('dirty marks', async () => (await tx.query(
      `insert into dirty_hunts (hunt_id) select unnest($1::uuid[])
       on conflict (hunt_id) do update set generation = nextval('dirty_generation_seq')`, [huntIds])).rowCount ?? 0);
  });
  await step('analyze', async () => { await pool.query('analyze'); });
  return { huntIds, players: spec.players, finds: findsPerHunt * huntIds.length, ms: performance.now() - started };
}
