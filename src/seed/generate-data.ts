// Deterministic bulk data for demos and benchmarks, generated set-based inside PostgreSQL:
// a few INSERT ... SELECT statements, never a row per round trip (2 million finds in seconds).
import type { AnswerHasher } from '../core/answer-hash.ts';
import { normalizeAnswer } from '../core/answer-hash.ts';
import { NORMALIZATION_VERSION } from '../core/answer-hash.ts';
import type { Client, Pool } from '../core/db.ts';
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
  /** Also record each seeded find's winning attempt in submissions (slower: a third 2M-row table). */
  withSubmissions: boolean;
  /**
   * Of the hunts, this many (the last ones) are team hunts: their participants in teams of up to 4
   * (each team a competitor named `<prefix>-team-<n>`, with a join code), the team's first find of a
   * clue by any member its find. Default 0.
   */
  teamHunts?: number;
  /** Unlock rules: every 4th clue waits for the clue before it, every 5th for 2 finds (seeded finds keep them). */
  rules?: boolean;
  /**
   * Hints: every 3rd clue has two (costs 5 and 10); some competitors buy them just before they find
   * the clue (hints_taken rows, negative score events).
   */
  hints?: boolean;
}

/** The answer of clue `position` in every seeded hunt (documented for playing the demo). */
export const seededAnswer = (position: number) => `gold ${position}`;

const BULK_TABLES = ['competitors', 'finds', 'score_events', 'submissions'];

/**
 * Drops every constraint and index of the bulk-loaded tables (keys included: a sorted index build
 * after the load is much cheaper than millions of random B-tree inserts); returns how to restore
 * them: keys and indexes first, foreign keys last.
 */
async function dropForBulkLoad(tx: Client): Promise<string[]> {
  const { rows: constraints } = await tx.query<{ tbl: string; name: string; def: string; contype: string }>(
    `select conrelid::regclass::text as tbl, conname as name, pg_get_constraintdef(oid) as def, contype
       from pg_constraint
      where contype in ('p', 'u', 'f')
        and (conrelid::regclass::text = any($1)
             -- Foreign keys of other tables into them (hints_taken's) hold their keys in place.
             or (contype = 'f' and confrelid::regclass::text = any($1)))
      order by contype = 'f' desc`, [BULK_TABLES]);
  const { rows: indexes } = await tx.query<{ name: string; def: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
      where i.indrelid::regclass::text = any($1)
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`, [BULK_TABLES]);
  const keys: string[] = [];
  const foreign: string[] = [];
  for (const c of constraints) {
    await tx.query(`alter table ${c.tbl} drop constraint ${c.name}`);
    (c.contype === 'f' ? foreign : keys).push(`alter table ${c.tbl} add constraint ${c.name} ${c.def}`);
  }
  for (const index of indexes) {
    await tx.query(`drop index ${index.name}`);
    keys.push(index.def);
  }
  return [...keys, ...foreign];
}

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
  const teamHunts = spec.teamHunts ?? 0;
  if (!Number.isInteger(teamHunts) || teamHunts < 0 || teamHunts > spec.hunts) {
    throw new Error(`team hunts must be between 0 and the ${spec.hunts} hunts`);
  }
  // With rules, each participant's run of consecutive clues starts where its first two finds wait
  // for nothing (positions 1 and 2 always qualify): every later find of the run has the clue before
  // it and two finds behind it, so no seeded find is of a clue still locked for its finder.
  const ruled = (position: number) => position % 4 === 0 || position % 5 === 0;
  const ruleFreeStarts = Array.from({ length: clues }, (_, i) => i).filter((i) => !ruled(i + 1) && !ruled(1 + ((i + 1) % clues)));
  let findCount = 0;

  await withTransaction(pool, async (tx) => {
    // Memory for the big sort and the index builds at the end (this transaction only).
    await tx.query(`set local work_mem = '256MB'`);
    await tx.query(`set local maintenance_work_mem = '1GB'`);
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

    const teamHuntIds = huntIds.slice(huntIds.length - teamHunts);
    if (teamHunts > 0) {
      await step('team hunts', async () => (await tx.query(
        `update hunts set mode = 'team', max_team_size = 4 where id = any($1::uuid[])`, [teamHuntIds])).rowCount ?? 0);
    }
    if (spec.rules) {
      await step('unlock rules', async () => (await tx.query(
        `update clues c set unlock_after_clues = case when c.position % 4 = 0 then array[prev.id] end,
                            unlock_after_finds = case when c.position % 5 = 0 then 2 end
           from clues prev
          where c.hunt_id = any($1::uuid[]) and (c.position % 4 = 0 or c.position % 5 = 0)
            and prev.hunt_id = c.hunt_id and prev.position = c.position - 1`, [huntIds])).rowCount ?? 0);
    }
    if (spec.hints) {
      await step('hints', async () => (await tx.query(
        `insert into clue_hints (clue_id, n, text, cost)
         select c.id, n, case n when 1 then 'Gold, but which one? A multiple of three.'
                                else 'It is gold number ' || c.position || '.' end, 5 * n
           from clues c cross join generate_series(1, 2) as n
          where c.hunt_id = any($1::uuid[]) and c.position % 3 = 0`, [huntIds])).rowCount ?? 0);
    }

    await step('accepted answers', async () => (await tx.query(
      `insert into clue_answers (clue_id, key_id, norm_version, answer_hash)
       select c.id, $2, $3, ($4::bytea[])[c.position]
         from clues c where c.hunt_id = any($1::uuid[])`,
      [huntIds, hasher.keyId, NORMALIZATION_VERSION, answerHashes])).rowCount ?? 0);

    // Each hunt: participants are a deterministic window of players; participant j finds k_j
    // consecutive clues from a pseudo-random starting clue, with the k_j summing exactly to the
    // finds per hunt. Generated in one pass, no sort.
    await step('placing finds', async () => (await tx.query(
      `create temporary table seed_finds on commit drop as
       with hunt as (
         select id, starts_at, row_number() over (order by created_at, slug) as h
           from hunts where id = any($1::uuid[])
       ), participant as (
         select hunt.id as hunt_id, hunt.starts_at, hunt.h, j,
                ($5::int / $4::int) + (case when j < $5::int % $4::int then 1 else 0 end) as k,
                ${spec.rules
                  ? '($7::int[])[(1 + (hunt.h * 31 + j * 17 + $2::int * 13) % cardinality($7::int[]))::int]'
                  : '(hunt.h * 31 + j * 17 + $2::int * 13) % $6::int'} as first_clue
           from hunt cross join generate_series(0, $4::int - 1) as j
       )
       select p.hunt_id, c.id as clue_id, sp.id as player_id, c.points,
              -- Integer mixing instead of hashing text: deterministic per seed and cheap per row.
              p.starts_at + r * interval '3 minutes'
                + ((p.j * 7919 + r * 104729 + p.h * 15485863 + $2::int * 2654435761) % 170000) * interval '1 millisecond' as found_at
         from participant p
         cross join lateral generate_series(0, p.k - 1) as r
         join seed_players sp on sp.n = 1 + ((p.h * 7919 + p.j) % $3::int)
         join clues c on c.hunt_id = p.hunt_id and c.position = 1 + (p.first_clue + r) % $6::int`,
      [huntIds, spec.seed, spec.players, participantsPerHunt, findsPerHunt, clues, ...(spec.rules ? [ruleFreeStarts] : [])])).rowCount ?? 0);

    if (teamHunts > 0) {
      // Teams: a team hunt's participants in order, four by four (formed an hour before the start).
      // The same participants as above, by the same formula.
      await tx.query(
        `create temporary table seed_members on commit drop as
         with hunt as (
           select id, starts_at, row_number() over (order by created_at, slug) as h
             from hunts where id = any($1::uuid[])
         )
         select hunt.id as hunt_id, hunt.starts_at - interval '1 hour' as formed_at, j, j / 4 + 1 as team_n, sp.id as player_id
           from hunt cross join generate_series(0, $4::int - 1) as j
           join seed_players sp on sp.n = 1 + ((hunt.h * 7919 + j) % $3::int)
          where hunt.id = any($2::uuid[])`, [huntIds, teamHuntIds, spec.players, participantsPerHunt]);
      await tx.query(
        `create temporary table seed_teams on commit drop as
         select gen_random_uuid() as id, m.hunt_id, m.team_n, $1 || '-team-' || m.team_n as name,
                -- Not the API's alphabet nor length: no code it hands out can be one of these.
                upper(substr(md5(h.slug || '/' || m.team_n), 1, 12)) as join_code, min(m.formed_at) as formed_at
           from seed_members m join hunts h on h.id = m.hunt_id
          group by m.hunt_id, m.team_n, h.slug`, [spec.prefix]);
      await step('teams', async () => (await tx.query(
        `insert into teams (id, hunt_id, name, join_code, created_at)
         select id, hunt_id, name, join_code, formed_at from seed_teams`)).rowCount ?? 0);
      await step('team members', async () => (await tx.query(
        `insert into team_members (hunt_id, player_id, team_id, joined_at)
         select m.hunt_id, m.player_id, t.id, m.formed_at + (m.j % 4) * interval '1 second'
           from seed_members m join seed_teams t on t.hunt_id = m.hunt_id and t.team_n = m.team_n`)).rowCount ?? 0);
      // A team's find of a clue: its members' first (the others' would have been alreadyFound).
      await tx.query(
        `create temporary table seed_team_finds on commit drop as
         select distinct on (t.id, f.clue_id) f.hunt_id, f.clue_id, f.player_id, t.id as competitor_id, f.points, f.found_at
           from seed_finds f
           join seed_members m on m.hunt_id = f.hunt_id and m.player_id = f.player_id
           join seed_teams t on t.hunt_id = m.hunt_id and t.team_n = m.team_n
          order by t.id, f.clue_id, f.found_at, f.player_id`);
      await tx.query('delete from seed_finds where hunt_id = any($1::uuid[])', [teamHuntIds]);
    }

    // Bulk-load recipe: per-row foreign-key checks and index maintenance cost far more than the
    // inserts themselves, so drop them for the load and re-create them after, validated in one
    // pass each. (ALTER TABLE locks these tables until the seed commits; this is a seeding tool.)
    const deferred = await dropForBulkLoad(tx);
    progress(`dropped ${deferred.length} keys, foreign keys and indexes for the load`);

    await step('competitors', async () => (await tx.query(
      `insert into competitors (hunt_id, competitor_id, name, joined_at)
       select f.hunt_id, f.player_id, p.handle, min(f.found_at)
         from seed_finds f join players p on p.id = f.player_id group by f.hunt_id, f.player_id, p.handle`)).rowCount ?? 0);
    await step('finds', async () => {
      const n = (await tx.query(
        `insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at)
         select player_id, clue_id, hunt_id, player_id, points, found_at from seed_finds`)).rowCount ?? 0;
      findCount += n;
      return n;
    });
    if (spec.withSubmissions) {
      await step('submissions', async () => (await tx.query(
        `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct, submitted_at)
         select f.hunt_id, f.clue_id, f.player_id, $1, ($2::bytea[])[c.position], true, f.found_at
           from seed_finds f join clues c on c.id = f.clue_id`, [hasher.keyId, answerHashes])).rowCount ?? 0);
    }
    if (teamHunts > 0) {
      await step('team competitors', async () => (await tx.query(
        `insert into competitors (hunt_id, competitor_id, name, joined_at)
         select hunt_id, id, name, formed_at from seed_teams`)).rowCount ?? 0);
      await step('team finds', async () => {
        const n = (await tx.query(
          `insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at)
           select competitor_id, clue_id, hunt_id, player_id, points, found_at from seed_team_finds`)).rowCount ?? 0;
        findCount += n;
        return n;
      });
      if (spec.withSubmissions) {
        await step('team submissions', async () => (await tx.query(
          `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct, submitted_at)
           select f.hunt_id, f.clue_id, f.player_id, $1, ($2::bytea[])[c.position], true, f.found_at
             from seed_team_finds f join clues c on c.id = f.clue_id`, [hasher.keyId, answerHashes])).rowCount ?? 0);
      }
    }
    if (spec.hints) {
      // Bought just before the find (a second or two; not before the start), by the finder, by
      // about a quarter of the finders of a hinted clue (the second hint by half of those): chosen
      // by the find's millisecond, deterministic per seed. The clue was unlocked then (see the
      // runs' starts above) and not yet found.
      await tx.query(
        `create temporary table seed_hints on commit drop as
         select f.competitor_id, f.clue_id, ch.n, f.hunt_id, f.player_id, ch.cost,
                greatest(h.starts_at, f.found_at - (3 - ch.n) * interval '1 second') as taken_at
           from finds f
           join hunts h on h.id = f.hunt_id
           join clue_hints ch on ch.clue_id = f.clue_id
          where f.hunt_id = any($1::uuid[])
            and (extract(epoch from f.found_at) * 1000)::bigint % (4 * ch.n) = 0`, [huntIds]);
      await step('hints taken', async () => (await tx.query(
        `insert into hints_taken (competitor_id, clue_id, n, hunt_id, player_id, taken_at)
         select competitor_id, clue_id, n, hunt_id, player_id, taken_at from seed_hints`)).rowCount ?? 0);
      await step('hint score events', async () => (await tx.query(
        `insert into score_events (hunt_id, competitor_id, player_id, points, reason, clue_id, occurred_at)
         select hunt_id, competitor_id, player_id, -cost, 'hint', clue_id, taken_at from seed_hints`)).rowCount ?? 0);
    }
    await step('re-created foreign keys and indexes', async () => {
      for (const statement of deferred) await tx.query(statement);
    });
    await step('dirty marks', async () => (await tx.query(
      `insert into dirty_hunts (hunt_id) select unnest($1::uuid[])
       on conflict (hunt_id) do update set generation = nextval('dirty_generation_seq')`, [huntIds])).rowCount ?? 0);
  });
  // VACUUM sets the visibility map, so the per-hunt reads are index-only from the first refresh.
  await step('vacuum analyze', async () => { await pool.query('vacuum analyze'); });
  return { huntIds, players: spec.players, finds: findCount, ms: performance.now() - started };
}
