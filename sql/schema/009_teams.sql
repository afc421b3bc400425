-- compatible-with: 008_competitors
-- Team hunts: a team is the competitor; its members' answers score for it. A solo hunt (the
-- default) has no teams and its competitors are players. Builds that know 008 keep working: they
-- only ever create solo hunts, which nothing here changes.
alter table hunts add column mode text not null default 'solo' check (mode in ('solo', 'team'));
alter table hunts add column max_team_size integer check (max_team_size between 1 and 50);
alter table hunts add check ((mode = 'team') = (max_team_size is not null));

create table teams (
  id         uuid primary key default gen_random_uuid(),
  hunt_id    uuid not null references hunts on delete cascade,
  name       text not null check (length(name) between 1 and 40),
  -- What members share to let others join: shown to them, so stored as it is (it lets one join
  -- this team of this hunt, nothing more).
  join_code  text not null unique,
  created_at timestamptz(3) not null default clock_timestamp(),
  unique (hunt_id, id)
);
create unique index teams_name_per_hunt on teams (hunt_id, lower(name));

-- A player is in at most one team per hunt (the primary key); joining a full team is refused by
-- the writer, which locks the team's row to count its members.
create table team_members (
  hunt_id   uuid not null,
  player_id uuid not null references players on delete cascade,
  team_id   uuid not null,
  joined_at timestamptz(3) not null default clock_timestamp(),
  primary key (hunt_id, player_id),
  foreign key (hunt_id, team_id) references teams (hunt_id, id) on delete cascade
);
create index team_members_team on team_members (team_id) include (player_id);

-- Each team's public document (members, points, finds) is a snapshot document of its own kind.
alter table snapshot_documents drop constraint snapshot_documents_kind_check;
alter table snapshot_documents add check (kind in ('hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress', 'team'));
