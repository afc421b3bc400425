-- Incremental refresh. A player's change (a new find, or joining a hunt) is recorded as one row
-- here, in the writer's transaction, instead of bumping one hot dirty_hunts row per hunt: answers
-- to the same hunt never wait on each other's row lock. The refresh that publishes a change
-- deletes its row in the publishing transaction, so a change is reflected exactly once, and a
-- change committed while a refresh runs stays here for the next one. dirty_hunts keeps meaning
-- "rebuild this hunt from scratch" (admin edits, anything that is not a player's own change).
create table read_model_changes (
  id          bigint generated always as identity primary key,
  hunt_id     uuid not null references hunts on delete cascade,
  player_id   uuid not null references players on delete cascade,
  -- The clue found; null when the player only joined (a first, wrong answer).
  clue_id     uuid references clues on delete cascade,
  -- clock_timestamp() when the answer was recorded (at most its batch's few milliseconds before the
  -- commit): staleness is measured from here, so never understated.
  recorded_at timestamptz not null default clock_timestamp()
);
create index read_model_changes_hunt on read_model_changes (hunt_id, id);

-- A queue table: rows live for milliseconds. Vacuum it (and the serving table, whose rows are
-- rewritten on every refresh) on a small absolute threshold rather than a fraction of its size.
alter table read_model_changes set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);
alter table snapshot_documents set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);

-- Documents of format 1 are superseded (format 2 splits the leaderboard into pages and leaves the
-- rank out of stored progress): drop them and let every hunt be rebuilt in the new format.
-- hunt_publications goes with them, so the first refresh of each hunt lists it in the index again.
delete from snapshot_documents where format_version < 2;
delete from hunt_publications;
insert into dirty_hunts (hunt_id) select id from hunts on conflict do nothing;
