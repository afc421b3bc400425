// Reads one hunt's read-model rows from the views of sql/views. Callers read them in one snapshot
// (refresh-hunt.ts), so the documents built from them agree with each other.
import type { Client, Queryable } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';
import {
  FEED_SIZE, FORMAT_VERSION, LEADERBOARD_PAGE_SIZE, docKeys, type DocumentKind, type FeedContent, type HuntDetailContent, type HuntMode,
  type HuntStatus, type LeaderboardEntry,
} from '../core/documents.ts';
import type { PublishedState } from './incremental-update.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The relations rows are read from. Fixed identifiers, never input (bench/ swaps in materialized views). */
export interface ReadModelRelations { standings: string; clueStats: string; summaries: string }
export const VIEW_RELATIONS: ReadModelRelations = {
  standings: 'hunt_standings', clueStats: 'hunt_clue_stats', summaries: 'hunt_summaries',
};

export interface HuntRow {
  id: string; slug: string; title: string; description: string; status: HuntStatus;
  starts_at: Date | null; ends_at: Date | null; created_at: Date; mode: HuntMode;
  /** What afterMinutes rules count from: startsAt, else the first move to live. */
  unlock_from: Date | null;
  /** Live, but its startsAt is to come (as of the refresh's snapshot): listed, its clues not yet shown. */
  scheduled: boolean;
  freeze_at: Date | null;
  /** freezeAt has come (as of the refresh's snapshot): public documents show the standings as of it. */
  frozen: boolean;
}
const HUNT_COLUMNS = `id, slug, title, description, status, starts_at, ends_at, created_at, mode,
  coalesce(starts_at, first_live_at) as unlock_from, (status = 'live' and starts_at is not null and starts_at > now()) as scheduled,
  freeze_at, (freeze_at is not null and freeze_at <= now()) as frozen`;
/** A clue as its organiser wrote it (the private clue book), hints as JSON [[n, cost, text], ...]. */
export interface BookClueRow {
  id: string; position: number; title: string; body: string; points: number;
  unlock_after_clues: string[] | null; unlock_after_finds: number | null; unlock_after_minutes: number | null; hints: string | null;
}
/**
 * A competitor's private state: its name, hints held as JSON [[clueId, n], ...], the live ledger's
 * points, a team's join code, and, in a hunt with a freezeAt or for a hidden competitor, its live
 * finds as JSON [[clueId, foundAtMs], ...] (the public documents stop at the freeze, or are
 * withdrawn; the own view is not).
 */
export interface OwnRow {
  competitor_id: string; name: string; hints: string | null; points: number | null; join_code: string | null; live_finds: string | null;
}
/** A clue of the hunt: title and body null while it is locked for the public. */
export interface ClueRow {
  id: string; position: number; title: string | null; body: string | null; points: number; locked: boolean;
  solve_count: number; first_competitor_id: string | null; first_name: string | null; first_found_at: Date | null;
}
/** A ranked competitor (a player in a solo hunt): hunt_standings. */
export interface StandingRow {
  competitor_id: string; name: string; points: number; clues_found: number; last_find_at: Date; rank: number;
}
/**
 * One competitor's finds in order, as JSON [[clueId, foundAtEpochMs, points, playerId], ...], and a
 * team's members as JSON [[playerId, handle], ...] in the order they joined (null for a player).
 */
export interface CompetitorFindsRow {
  competitor_id: string; name: string; finds: string; members: string | null; points: number | null;
  /** Organisers' adjustments in order, as JSON [[points, reason, atEpochMs], ...] (null: none). */
  adjustments: string | null;
}
export interface SummaryRow { clue_count: number; player_count: number; find_count: number }

/** An entry of the activity feed: a find of a visible competitor, or an announcement (feed_entries). */
export interface FeedRow {
  type: 'find' | 'announcement'; at: Date; competitor_id: string | null; name: string | null; clue_id: string | null; text: string | null;
}
export interface AnnouncementRow { id: string; at: Date; text: string; clue_id: string | null }

export interface HuntRows {
  hunt: HuntRow;
  /** Newest first. */
  announcements: AnnouncementRow[];
  /** The latest FEED_SIZE, newest first, in the order compareFeedEntries gives. */
  feed: FeedRow[];
  clues: ClueRow[];
  summary: SummaryRow;
  standings: StandingRow[];
  finds: CompetitorFindsRow[];
  /** Hidden competitors: their progress is withdrawn, found or not. */
  hidden: string[];
  /** A team hunt's members of hidden teams (the roster document). */
  hiddenMembers: { player_id: string; team_id: string }[];
  book: BookClueRow[];
  /** Competitors with a private state: every team, and players who took a hint. */
  own: OwnRow[];
}

/** What happened to a competitor. */
export type ChangeKind = 'find' | 'join' | 'hint' | 'membership' | 'adjustment';
/** A competitor's change not yet published (read_model_changes). */
export interface ChangeRow { id: string; competitor_id: string; kind: ChangeKind; clue_id: string | null; recorded_at: Date }
/**
 * A changed competitor as of the refresh's snapshot: points null without score events, finds '[]'
 * without finds. Its latest find's time is the last of its finds.
 */
export interface ChangedCompetitorRow extends CompetitorFindsRow, Omit<OwnRow, 'competitor_id' | 'points'> {
  hidden: boolean; points: number | null; finds: string;
  /** The ledger's points, freeze or not (points: as the public sees them). */
  live_points: number | null;
}

/**
 * Whether a clue (c, of hunt h) is locked for the public as of now(): any condition on finds, or a
 * time condition whose time has not come (counted from startsAt, else the first move to live).
 */
export const CLUE_LOCKED = `(c.unlock_after_clues is not null or c.unlock_after_finds is not null
    or (c.unlock_after_minutes is not null and (coalesce(h.starts_at, h.first_live_at) is null
        or now() < coalesce(h.starts_at, h.first_live_at) + c.unlock_after_minutes * interval '1 minute')))`;

// A competitor's private state on both paths: the hints it holds and a team's join code.
const HINTS_JSON = (hunt: string, id: string) => `(select json_agg(json_build_array(ht.clue_id, ht.n) order by ht.clue_id, ht.n)::text
       from hints_taken ht where ht.hunt_id = ${hunt} and ht.competitor_id = ${id})`;
const JOIN_CODE = (id: string) => `(select t.join_code from teams t where t.id = ${id})`;

// One expression for a competitor's finds on both paths, so their progress documents are the same bytes.
const FINDS_JSON = `json_agg(json_build_array(f.clue_id, (extract(epoch from f.found_at) * 1000)::int8, f.points, f.player_id)
                             order by f.found_at, cl.position)::text`;
// What public documents count: events and finds before the hunt's freezeAt (all of them without one).
const PUBLIC_UNTIL = (hunt: string) => `(select coalesce(fh.freeze_at, 'infinity') from hunts fh where fh.id = ${hunt})`;
// A competitor's points before `until` (null when its ledger is empty: no find, no score event).
const LEDGER_POINTS = (hunt: string, id: string, until: string) => `(select sum(l.points)::integer from score_ledger l
       where l.hunt_id = ${hunt} and l.competitor_id = ${id} and l.occurred_at < ${until})`;
// A competitor's adjustments (null without any), on both paths, as the public sees them.
const ADJUSTMENTS_JSON = (hunt: string, id: string) => `(select json_agg(json_build_array(e.points, e.note, (extract(epoch from e.occurred_at) * 1000)::int8)
                             order by e.occurred_at, e.id)::text
       from score_events e where e.hunt_id = ${hunt} and e.competitor_id = ${id} and e.reason = 'adjustment'
        and e.occurred_at < ${PUBLIC_UNTIL(hunt)})`;
// The live ledger and finds, for the own view: null, or in a hunt with a freezeAt, or for a hidden
// competitor (its public documents are withdrawn), the live finds ('[]' without any).
const LIVE_POINTS = (hunt: string, id: string) => LEDGER_POINTS(hunt, id, "'infinity'");
const LIVE_FINDS = (hunt: string, id: string, hidden: string) => `case when ${hidden} or (select fh.freeze_at is not null from hunts fh where fh.id = ${hunt}) then
       coalesce((select json_agg(json_build_array(f.clue_id, (extract(epoch from f.found_at) * 1000)::int8) order by f.found_at, f.clue_id)::text
                   from finds f where f.hunt_id = ${hunt} and f.competitor_id = ${id}), '[]') end`;
// A team's members (null for a player competitor): one index range per team.
const MEMBERS_JSON = (hunt: string, id: string) => `(select json_agg(json_build_array(tm.player_id, p.handle) order by tm.joined_at, p.handle collate "C")::text
       from team_members tm join players p on p.id = tm.player_id
      where tm.hunt_id = ${hunt} and tm.team_id = ${id})`;

export async function loadHunt(db: Queryable, huntId: string): Promise<HuntRow | undefined> {
  return maybeOne<HuntRow>(db,
    `select ${HUNT_COLUMNS} from hunts where id = $1`, [huntId]);
}

export async function loadHuntRows(db: Queryable, hunt: HuntRow, rel: ReadModelRelations = VIEW_RELATIONS): Promise<HuntRows> {
  // Sequential on purpose: a transaction's client runs one statement at a time.
  const clues = await many<ClueRow>(db,
      `select c.id, c.position, case when l.locked then null else c.title end as title,
              case when l.locked then null else c.body end as body, c.points, l.locked,
              coalesce(s.solve_count, 0) as solve_count, s.first_competitor_id, s.first_name, s.first_found_at
         from clues c
         join hunts h on h.id = c.hunt_id
         cross join lateral (select ${CLUE_LOCKED} as locked) l
         left join ${rel.clueStats} s on s.hunt_id = c.hunt_id and s.clue_id = c.id
        where c.hunt_id = $1
        order by c.position`, [hunt.id]);
  const summary = await maybeOne<SummaryRow>(db,
      `select clue_count, player_count, find_count from ${rel.summaries} where hunt_id = $1`, [hunt.id]);
  const standings = await many<StandingRow>(db,
      `select competitor_id, name, points, clues_found, last_find_at, rank
         from ${rel.standings} where hunt_id = $1 order by position`, [hunt.id]);
  // Finds of every visible participant: a hidden one's progress is withdrawn from public reads (the
  // full path's publish turns documents it no longer writes into tombstones).
  // Aggregated per competitor in the database: a thousand small JSON arrays cross the wire and parse
  // much faster than ten thousand rows with a timestamp each.
  // Players with a find or a score event (a hint paid for, say); in a team hunt every team, found
  // anything or not (each has a document).
  const finds = await many<CompetitorFindsRow>(db,
    `select c.competitor_id, c.name, coalesce(g.finds, '[]') as finds,
            case when $2 = 'team' then ${MEMBERS_JSON('$1', 'c.competitor_id')} end as members, t.points,
            ${ADJUSTMENTS_JSON('$1', 'c.competitor_id')} as adjustments
       from competitors c
       left join (select f.competitor_id, ${FINDS_JSON} as finds
                    from finds f join clues cl on cl.id = f.clue_id
                   where f.hunt_id = $1 and f.found_at < ${PUBLIC_UNTIL('$1')}
                   group by f.competitor_id) g on g.competitor_id = c.competitor_id
       cross join lateral (select ${LEDGER_POINTS('$1', 'c.competitor_id', PUBLIC_UNTIL('$1'))} as points) t
      where c.hunt_id = $1 and not c.hidden and (g.finds is not null or t.points is not null or $2 = 'team')
      order by c.competitor_id`, [hunt.id, hunt.mode]);
  const hidden = await many<{ competitor_id: string }>(db,
    'select competitor_id from competitors where hunt_id = $1 and hidden', [hunt.id]);
  const hiddenMembers = hunt.mode !== 'team' ? [] : await many<{ player_id: string; team_id: string }>(db,
    `select tm.player_id, tm.team_id from team_members tm
       join competitors c on c.hunt_id = tm.hunt_id and c.competitor_id = tm.team_id and c.hidden
      where tm.hunt_id = $1 order by tm.player_id`, [hunt.id]);
  const book = await many<BookClueRow>(db,
    `select c.id, c.position, c.title, c.body, c.points, c.unlock_after_clues, c.unlock_after_finds, c.unlock_after_minutes,
            (select json_agg(json_build_array(h.n, h.cost, h.text) order by h.n)::text from clue_hints h where h.clue_id = c.id) as hints
       from clues c where c.hunt_id = $1 order by c.position`, [hunt.id]);
  // Hidden competitors too: their own view keeps working. Every team has one, a player once they
  // hold a hint, and in a hunt with a freezeAt everyone with a score event (their live finds).
  const own = await many<OwnRow>(db,
    `select c.competitor_id, ${HINTS_JSON('$1', 'c.competitor_id')} as hints, ${JOIN_CODE('c.competitor_id')} as join_code,
            ${LIVE_POINTS('$1', 'c.competitor_id')} as points, ${LIVE_FINDS('$1', 'c.competitor_id', 'c.hidden')} as live_finds, c.name
       from competitors c
      where c.hunt_id = $1
        and ($2 = 'team' or exists (select 1 from hints_taken ht where ht.hunt_id = $1 and ht.competitor_id = c.competitor_id)
             or (($3::timestamptz is not null or c.hidden)
                 and exists (select 1 from score_ledger l where l.hunt_id = $1 and l.competitor_id = c.competitor_id)))
      order by c.competitor_id`, [hunt.id, hunt.mode, hunt.freeze_at]);
  const announcements = await many<AnnouncementRow>(db,
    'select id, at, text, clue_id from announcements where hunt_id = $1 order by at desc, id', [hunt.id]);
  // The same order as compareFeedEntries (document-builder.ts), which the incremental path merges with.
  const feed = await many<FeedRow>(db,
    `select * from (
       (select 'find' as type, f.found_at as at, f.competitor_id, c.name, f.clue_id, null::text as text
          from finds f join competitors c on c.hunt_id = f.hunt_id and c.competitor_id = f.competitor_id and not c.hidden
         where f.hunt_id = $1 and f.found_at < ${PUBLIC_UNTIL('$1')}
         order by f.found_at desc, f.clue_id::text collate "C", f.competitor_id::text collate "C" limit $2)
       union all
       (select 'announcement', a.at, null, null, a.clue_id, a.text from announcements a where a.hunt_id = $1
         order by a.at desc, a.clue_id::text collate "C" nulls first, a.text collate "C" limit $2)
     ) e
     order by at desc, type collate "C", clue_id::text collate "C" nulls first, competitor_id::text collate "C" nulls first,
              text collate "C" nulls first
     limit $2`, [hunt.id, FEED_SIZE]);
  return {
    hunt, clues, summary: summary ?? { clue_count: clues.length, player_count: 0, find_count: 0 }, standings, finds,
    hidden: hidden.map((h) => h.competitor_id), hiddenMembers, book, own, announcements, feed,
  };
}

export async function loadChanges(db: Queryable, huntId: string): Promise<ChangeRow[]> {
  return many<ChangeRow>(db,
    'select id, competitor_id, kind, clue_id, recorded_at from read_model_changes where hunt_id = $1 order by id', [huntId]);
}

/**
 * The changed competitors' standing, visibility and finds: index lookups per competitor, whatever
 * the hunt's size. `hunt` and `ids` are SQL: parameters, or literals and a subquery (a batch).
 */
export function changedCompetitorsSql(hunt: string, ids: string): string {
  return `select c.competitor_id, c.name, c.hidden, t.points,
            coalesce((select ${FINDS_JSON}
                        from finds f join clues cl on cl.id = f.clue_id
                       where f.hunt_id = ${hunt} and f.competitor_id = c.competitor_id and f.found_at < ${PUBLIC_UNTIL(hunt)}), '[]') as finds,
            ${MEMBERS_JSON(hunt, 'c.competitor_id')} as members, ${ADJUSTMENTS_JSON(hunt, 'c.competitor_id')} as adjustments,
            ${HINTS_JSON(hunt, 'c.competitor_id')} as hints, ${JOIN_CODE('c.competitor_id')} as join_code,
            -- Without a freezeAt the public points are the live ones: no second pass over the ledger.
            case when (select fh.freeze_at is not null from hunts fh where fh.id = ${hunt}) then ${LIVE_POINTS(hunt, 'c.competitor_id')}
                 else t.points end as live_points,
            ${LIVE_FINDS(hunt, 'c.competitor_id', 'c.hidden')} as live_finds
       from competitors c
       cross join lateral (select ${LEDGER_POINTS(hunt, 'c.competitor_id', PUBLIC_UNTIL(hunt))} as points) t
      where c.hunt_id = ${hunt} and c.competitor_id in (${ids})
      order by c.competitor_id`;
}

export async function loadChangedCompetitors(db: Queryable, huntId: string, ids: string[]): Promise<ChangedCompetitorRow[]> {
  return many<ChangedCompetitorRow>(db, changedCompetitorsSql('$1', 'select unnest($2::uuid[])'), [huntId, ids]);
}

/** Players in the hunt, as its documents count them (a solo hunt's visible competitors). */
export async function countVisiblePlayers(db: Queryable, huntId: string): Promise<number> {
  const row = await maybeOne<{ n: number }>(db, VISIBLE_PLAYERS_SQL, [huntId]);
  return row?.n ?? 0;
}
// A solo hunt's visible competitors, or the members of a team hunt's visible teams.
const VISIBLE_PLAYERS_SQL = `select case when h.mode = 'team'
    then (select count(*) from team_members tm
            join competitors c on c.hunt_id = tm.hunt_id and c.competitor_id = tm.team_id and not c.hidden
           where tm.hunt_id = h.id and tm.joined_at < coalesce(h.freeze_at, 'infinity'))
    else (select count(*) from competitors c
           where c.hunt_id = h.id and not c.hidden and c.joined_at < coalesce(h.freeze_at, 'infinity')) end::integer as n
  from hunts h where h.id = $1`;

/** The current versions of the hunt's published detail and leaderboard head (0 when missing). */
export async function loadPublishedVersions(db: Queryable, hunt: HuntRow): Promise<{ detail: number; head: number }> {
  const rows = await many<{ doc_key: string; version: number }>(db,
    `select doc_key, version from snapshot_documents
      where doc_key in ($1, $2) and format_version = $3 and body is not null`,
    [docKeys.hunt(hunt.slug), docKeys.leaderboard(hunt.slug), FORMAT_VERSION]);
  const versionOf = (key: string) => Number(rows.find((r) => r.doc_key === key)?.version ?? 0);
  return { detail: versionOf(docKeys.hunt(hunt.slug)), head: versionOf(docKeys.leaderboard(hunt.slug)) };
}

/**
 * The hunt's published detail and standings, or undefined when there are none in the current
 * format (never published, withdrawn, or a format change): then only the full path can run.
 */
export async function loadPublishedState(db: Queryable, hunt: HuntRow): Promise<PublishedState | undefined> {
  const rows = await many<{ doc_key: string; kind: string; body: string | null }>(db,
    `select doc_key, kind, body from snapshot_documents
      where hunt_id = $1 and format_version = $2 and kind in ('hunt', 'leaderboard', 'leaderboard_page', 'feed')`,
    [hunt.id, FORMAT_VERSION]);
  const detail = rows.find((r) => r.doc_key === docKeys.hunt(hunt.slug))?.body;
  const head = rows.find((r) => r.doc_key === docKeys.leaderboard(hunt.slug))?.body;
  const feed = rows.find((r) => r.doc_key === docKeys.feed(hunt.slug))?.body;
  if (!detail || !head || !feed) return undefined;
  const pages = rows.filter((r) => r.kind === 'leaderboard_page' && r.body !== null)
    .map((r) => ({ n: Number(r.doc_key.slice(r.doc_key.lastIndexOf(':') + 1)), entries: JSON.parse(r.body!) as LeaderboardEntry[] }))
    .sort((a, b) => a.n - b.n);
  const entries = pages.flatMap((p) => p.entries);
  const { total } = JSON.parse(head) as { total: number };
  // A board whose pages do not add up is not one to build on.
  if (entries.length !== total) return undefined;
  const { version: _v, generatedAt: _g, ...content } = JSON.parse(detail) as HuntDetailContent & { version: number; generatedAt: string };
  return { detail: content, entries, feed: (JSON.parse(feed) as FeedContent).entries };
}

/** Everything an incremental refresh from the worker's memory reads, from one snapshot. */
export interface IncrementalInputs {
  dirty: boolean;
  hunt: HuntRow | undefined;
  changes: ChangeRow[];
  competitors: ChangedCompetitorRow[];
  visiblePlayers: number;
  /** The stored detail, leaderboard head, feed, pages (up to what the changes could fill) and the changed competitors' progress. */
  existing: { doc_key: string; kind: DocumentKind; version: number; content_hash: Buffer; alive: boolean }[];
}

// The reads of an incremental refresh, prepared once per connection: planning them (the changed
// competitors' lateral joins above all) cost the database twice their execution.
const INCREMENTAL_READS = {
  incr_dirty: ['uuid', 'select 1 from dirty_hunts where hunt_id = $1'],
  incr_hunt: ['uuid', `select ${HUNT_COLUMNS} from hunts where id = $1`],
  incr_changes: ['uuid', 'select id, competitor_id, kind, clue_id, recorded_at from read_model_changes where hunt_id = $1 order by id'],
  incr_competitors: ['uuid', changedCompetitorsSql('$1', 'select distinct competitor_id from read_model_changes where hunt_id = $1')],
  incr_visible: ['uuid', VISIBLE_PLAYERS_SQL],
  // The detail, head and feed ($2, $3, $10), the pages up to what the changed competitors could fill ($4 the page
  // key prefix, $5 the published total) and the changed competitors' documents ($6, $8 and $9 the
  // key prefixes of a player's progress, a team's, and their private state), as one array: index
  // lookups (an OR of IN-subqueries would scan the table).
  incr_existing: ['uuid, text, text, text, integer, text, smallint, text, text, text', `select doc_key, kind, version, content_hash, body is not null as alive
      from snapshot_documents
     where format_version = $7 and doc_key = any(array[$2, $3, $10]
        || array(select $4 || n from generate_series(0, ($5 + (select count(distinct competitor_id) from read_model_changes where hunt_id = $1)) / ${LEADERBOARD_PAGE_SIZE}) n)
        || array(select distinct $6 || competitor_id from read_model_changes where hunt_id = $1)
        || array(select distinct $8 || competitor_id from read_model_changes where hunt_id = $1)
        || array(select distinct $9 || competitor_id from read_model_changes where hunt_id = $1))`],
} as const;
const PREPARED = Symbol('incremental reads prepared');

/** A hunt an incremental refresh from memory reads: `slug` and `publishedTotal` as the worker last published them. */
export interface IncrementalTarget { huntId: string; slug: string; publishedTotal: number }

/**
 * The reads of incremental refreshes of several hunts in one round trip: one REPEATABLE READ
 * transaction of EXECUTEs sent as one multi-statement query (the simple protocol takes no
 * parameters, so the values are quoted literals: hunt ids are checked UUIDs, keys are escaped).
 */
export async function loadIncrementalInputs(db: Client, targets: IncrementalTarget[]): Promise<IncrementalInputs[]> {
  if (targets.length === 0) return [];
  for (const t of targets) if (!UUID.test(t.huntId)) throw new Error(`not a hunt id: ${t.huntId}`);
  const connection = db as Client & { [PREPARED]?: boolean };
  if (!connection[PREPARED]) {
    await db.query(Object.entries(INCREMENTAL_READS).map(([name, [types, sql]]) => `prepare ${name} (${types}) as ${sql}`).join(';\n'));
    connection[PREPARED] = true;
  }
  const text = (value: string) => db.escapeLiteral(value);
  const perHunt = targets.map(({ huntId, slug, publishedTotal }) => {
    const id = `'${huntId}'`;
    return [
      `execute incr_dirty(${id})`,
      `execute incr_hunt(${id})`,
      `execute incr_changes(${id})`,
      `execute incr_competitors(${id})`,
      `execute incr_visible(${id})`,
      `execute incr_existing(${id}, ${text(docKeys.hunt(slug))}, ${text(docKeys.leaderboard(slug))}, ` +
        `${text(docKeys.leaderboardPage(slug, 0).slice(0, -1))}, ${Math.trunc(publishedTotal)}, ${text(docKeys.progress(slug, ''))}, ${FORMAT_VERSION}, ${text(docKeys.team(slug, ''))}, ${text(docKeys.own(slug, ''))}, ` +
        `${text(docKeys.feed(slug))})`,
    ];
  });
  const reads = perHunt[0]!.length;
  const results = await db.query(['begin isolation level repeatable read read only', ...perHunt.flat(), 'commit'].join(';\n')) as unknown as { rows: unknown[] }[];
  return targets.map((_, t) => {
    const rows = <T>(i: number) => results[1 + t * reads + i]!.rows as T[];
    return {
      dirty: rows(0).length > 0,
      hunt: rows<HuntRow>(1)[0],
      changes: rows<ChangeRow>(2),
      competitors: rows<ChangedCompetitorRow>(3),
      visiblePlayers: rows<{ n: number }>(4)[0]?.n ?? 0,
      existing: rows<IncrementalInputs['existing'][number]>(5),
    };
  });
}
