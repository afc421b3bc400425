-- compatible-with: 009_teams
-- Unlock rules and hints. A clue with any unlock condition is locked: its title and body appear in
-- no public document, and answers to it are refused (409 clue_locked) until every condition holds
-- for the competitor. Hints are sold for points: a hint taken is the competitor's (a team's, in a
-- team hunt), paid once as a negative score event. Builds that know 009 keep working on hunts
-- without rules or hints (they would not enforce rules made by a newer build's organisers).

-- The hunt's first move to live, recorded once and never reset: afterMinutes counts from startsAt,
-- or else from here.
alter table hunts add column first_live_at timestamptz(3);
update hunts set first_live_at = coalesce(starts_at, created_at) where status <> 'draft';

-- Every condition given must hold: all these clues found by the competitor, at least this many
-- finds, this many minutes after the hunt's start. Null: no such condition.
alter table clues add column unlock_after_clues uuid[];
alter table clues add column unlock_after_finds integer check (unlock_after_finds >= 1);
alter table clues add column unlock_after_minutes integer check (unlock_after_minutes >= 1);

create table clue_hints (
  clue_id uuid not null references clues on delete cascade,
  n       integer not null check (n between 1 and 10),
  text    text not null check (length(text) between 1 and 2000),
  cost    integer not null check (cost between 0 and 10000),
  primary key (clue_id, n)
);

-- A hint taken, once per competitor: the primary key settles two members asking at once.
create table hints_taken (
  competitor_id uuid not null,
  clue_id       uuid not null references clues on delete cascade,
  n             integer not null,
  hunt_id       uuid not null,
  player_id     uuid references players on delete set null,
  taken_at      timestamptz(3) not null default clock_timestamp(),
  primary key (competitor_id, clue_id, n),
  foreign key (hunt_id, competitor_id) references competitors (hunt_id, competitor_id) on delete cascade,
  foreign key (clue_id, n) references clue_hints (clue_id, n) on delete cascade
);
create index hints_taken_hunt on hints_taken (hunt_id, competitor_id);

-- Clues that open on time: the worker's sweep looks for those whose time came since its last look.
create index clues_timed on clues (hunt_id) where unlock_after_minutes is not null;

-- Private documents behind GET /v1/me/hunts/:slug, never served on a public route: a hunt's clue
-- book (every clue's text, rule and hints) and a competitor's own state (hints held, points, a
-- team's join code).
alter table snapshot_documents drop constraint snapshot_documents_kind_check;
alter table snapshot_documents add check (kind in ('hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress', 'team', 'book', 'own'));
