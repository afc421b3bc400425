-- Core tables: the normalized write side (hunts, clues, players, answers) and the serving side
-- (snapshot documents the API loads into memory). Times are timestamptz(3): what is ranked is
-- exactly what is served, to the millisecond.

create type hunt_status as enum ('draft', 'live', 'ended');

create table hunts (
  id          uuid primary key default gen_random_uuid(),
  slug        text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  title       text not null check (length(title) between 1 and 200),
  description text not null default '',
  status      hunt_status not null default 'draft',
  starts_at   timestamptz(3),
  ends_at     timestamptz(3),
  created_at  timestamptz(3) not null default clock_timestamp(),
  check (starts_at is null or ends_at is null or starts_at < ends_at)
);

create table clues (
  id       uuid primary key default gen_random_uuid(),
  hunt_id  uuid not null references hunts on delete cascade,
  position integer not null check (position >= 1),
  title    text not null,
  body     text not null default '',
  points   integer not null check (points >= 1),
  unique (hunt_id, position)
);

-- Accepted answers exist only as keyed hashes (HMAC-SHA-256 of the normalized answer). key_id and
-- norm_version say which key and which normalization made the hash, so either can be rotated.
create table clue_answers (
  clue_id      uuid not null references clues on delete cascade,
  key_id       text not null,
  norm_version smallint not null,
  answer_hash  bytea not null,
  primary key (clue_id, key_id, norm_version, answer_hash)
);

create table players (
  id           uuid primary key default gen_random_uuid(),
  handle       text not null check (handle ~ '^[A-Za-z0-9_-]{3,32}$'),
  display_name text not null,
  token_hash   bytea not null unique, -- SHA-256 of the access token; the token itself is never stored
  created_at   timestamptz(3) not null default clock_timestamp()
);
create unique index players_handle_key on players (lower(handle));

-- A player joins a hunt with their first answer in it.
create table hunt_participants (
  hunt_id   uuid not null references hunts on delete cascade,
  player_id uuid not null references players on delete cascade,
  joined_at timestamptz(3) not null default clock_timestamp(),
  hidden    boolean not null default false,
  -- Covering hidden: the per-hunt reads filter on it and stay index-only.
  primary key (hunt_id, player_id) include (hidden)
);
create index hunt_participants_player on hunt_participants (player_id);

-- Every attempt, once per distinct normalized guess: repeating a guess stores nothing new.
create table submissions (
  id           bigint generated always as identity primary key,
  hunt_id      uuid not null references hunts on delete cascade,
  clue_id      uuid not null references clues on delete cascade,
  player_id    uuid not null references players on delete cascade,
  key_id       text not null,
  guess_hash   bytea not null,
  correct      boolean not null,
  submitted_at timestamptz(3) not null default clock_timestamp(),
  unique (player_id, clue_id, guess_hash)
);
-- Recent activity per hunt (active players, answers per minute).
create index submissions_hunt_time on submissions (hunt_id, submitted_at);

-- The first correct answer of a player for a clue; the primary key makes concurrent duplicates
-- count once.
create table finds (
  player_id uuid not null references players on delete cascade,
  clue_id   uuid not null references clues on delete cascade,
  hunt_id   uuid not null references hunts on delete cascade,
  points    integer not null,
  found_at  timestamptz(3) not null,
  primary key (player_id, clue_id)
);
-- Covering: a hunt's finds are scattered over the heap (every live hunt writes at once), so the
-- per-hunt refresh reads them from this index alone instead of one heap page per find.
create index finds_hunt on finds (hunt_id, player_id) include (clue_id, found_at, points);

-- Ledger of signed points per player and hunt: one event per find today; hint costs, awards and
-- penalties later. Standings are sums over this ledger.
create table score_events (
  id          bigint generated always as identity primary key,
  hunt_id     uuid not null references hunts on delete cascade,
  player_id   uuid not null references players on delete cascade,
  points      integer not null,
  reason      text not null check (reason in ('find', 'award', 'penalty', 'hint')),
  clue_id     uuid references clues on delete cascade,
  occurred_at timestamptz(3) not null
);
create index score_events_hunt_player on score_events (hunt_id, player_id) include (points, occurred_at);
create unique index score_events_one_per_find on score_events (player_id, clue_id) where reason = 'find';

-- Hunts whose read models are behind their base tables. A writer bumps generation in the same
-- transaction as its change; a refresh clears the row only if the generation it read is still
-- current, so a change that lands during a refresh keeps the hunt dirty.
-- Generations come from a sequence, never reused, so "same generation" really means "no change".
create sequence dirty_generation_seq;
create table dirty_hunts (
  hunt_id     uuid primary key references hunts on delete cascade,
  generation  bigint not null default nextval('dirty_generation_seq'),
  dirty_since timestamptz not null default clock_timestamp()
);

-- Per published hunt: what the hunts index shows of it, as of its last publish, so the index never
-- runs ahead of the hunt's own documents; and when that publish was.
create table hunt_publications (
  hunt_id      uuid primary key references hunts on delete cascade,
  published_at timestamptz not null,
  slug         text not null,
  title        text not null,
  status       hunt_status not null,
  starts_at    timestamptz(3),
  ends_at      timestamptz(3),
  created_at   timestamptz(3) not null,
  clue_count   integer not null,
  player_count integer not null
);

-- Pre-serialized documents, as the API sends them. body null is a tombstone: the document was
-- withdrawn and readers must drop it. published_seq orders publishes (taken under the publish
-- lock, so commit order and sequence order agree) and lets readers fetch only what changed.
create sequence snapshot_publish_seq;
create table snapshot_documents (
  doc_key        text not null,
  format_version smallint not null,
  kind           text not null check (kind in ('hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress')),
  hunt_id        uuid references hunts on delete cascade,
  version        bigint not null check (version >= 1),
  content_hash   bytea not null,
  body           text,
  generated_at   timestamptz(3) not null,
  published_seq  bigint not null,
  primary key (doc_key, format_version)
);
create index snapshot_documents_seq on snapshot_documents (format_version, published_seq);
create index snapshot_documents_hunt on snapshot_documents (hunt_id, format_version);
