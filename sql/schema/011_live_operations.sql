-- Running a live hunt: time windows kept by the engine, a scoreboard freeze, first-finder
-- bonuses, adjustments by organisers, and announcements. Builds that know 010 cannot run on it:
-- they would publish a frozen hunt's live standings (no compatible-with line).

-- A live hunt whose startsAt is in the future is listed as "scheduled": a derived status, which
-- the hunts index records as it published it.
alter table hunt_publications alter column status type text using status::text;
alter table hunt_publications add constraint hunt_publications_status
  check (status in ('draft', 'scheduled', 'live', 'ended'));

-- From freeze_at on, public documents show the standings as of freeze_at (null: not frozen).
alter table hunts add column freeze_at timestamptz(3);
-- Extra points for the first, second, ... competitor to find each clue.
alter table hunts add column first_finder_bonus integer[] not null default '{}'
  check (cardinality(first_finder_bonus) <= 5 and 0 <= all (first_finder_bonus));

-- The ledger gains bonuses (a place among a clue's finders) and organisers' adjustments (an award
-- or a penalty with its reason, shown to the competitor).
alter table score_events drop constraint score_events_reason_check;
alter table score_events add constraint score_events_reason_check
  check (reason in ('find', 'award', 'penalty', 'hint', 'bonus', 'adjustment'));
alter table score_events add column note text check (note is null or length(note) between 1 and 200);
-- Which place a bonus is for: one competitor per place per clue, settled by this index.
alter table score_events add column place smallint;
create unique index score_events_one_per_place on score_events (clue_id, place) where reason = 'bonus';
create unique index score_events_one_bonus_per_find on score_events (competitor_id, clue_id) where reason = 'bonus';

alter table snapshot_documents drop constraint snapshot_documents_kind_check;
alter table snapshot_documents add check (kind in ('hunts', 'hunt', 'leaderboard', 'leaderboard_page', 'progress', 'team', 'book', 'own', 'feed', 'roster'));

create table announcements (
  id      uuid primary key default gen_random_uuid(),
  hunt_id uuid not null references hunts on delete cascade,
  clue_id uuid references clues on delete cascade,
  text    text not null check (length(text) between 1 and 2000),
  at      timestamptz(3) not null default clock_timestamp()
);
create index announcements_by_hunt on announcements (hunt_id, at desc);
