-- Who is ranked is a competitor: a player in a solo hunt, a team in a team hunt (a later
-- migration adds teams). Every table that keys standings by a player keys them by the competitor
-- instead; in a solo hunt the competitor's id is the player's id, so existing rows keep their
-- meaning and only their column moves. Builds that predate this migration read player_id, which
-- no longer holds for every row: they cannot run on it (no compatible-with line).

-- The competitors of each hunt (hunt_participants until now): who is ranked, under which name
-- (a handle, or a team's name), and whether an organiser hid them. A player becomes a competitor
-- of a solo hunt with their first answer in it.
alter table hunt_participants rename to competitors;
alter table competitors rename column player_id to competitor_id;
alter table competitors drop constraint hunt_participants_player_id_fkey;
alter table competitors add column name text;
update competitors c set name = p.handle from players p where p.id = c.competitor_id;
alter table competitors alter column name set not null;
alter index hunt_participants_pkey rename to competitors_pkey;
alter index hunt_participants_player rename to competitors_by_id;

-- A find belongs to its competitor (the primary key: the first correct answer of any member
-- counts, once); player_id says which player made it.
alter table finds add column competitor_id uuid;
update finds set competitor_id = player_id;
alter table finds alter column competitor_id set not null;
alter table finds drop constraint finds_pkey;
alter table finds add primary key (competitor_id, clue_id);
alter table finds add foreign key (hunt_id, competitor_id) references competitors (hunt_id, competitor_id) on delete cascade;
drop index finds_hunt;
create index finds_hunt on finds (hunt_id, competitor_id) include (clue_id, found_at, points, player_id);

-- The ledger is the competitor's; player_id is who caused an event, when a player did.
alter table score_events add column competitor_id uuid;
update score_events set competitor_id = player_id;
alter table score_events alter column competitor_id set not null;
alter table score_events alter column player_id drop not null;
alter table score_events add foreign key (hunt_id, competitor_id) references competitors (hunt_id, competitor_id) on delete cascade;
drop index score_events_hunt_player;
create index score_events_hunt_competitor on score_events (hunt_id, competitor_id) include (points, occurred_at, reason);
drop index score_events_one_per_find;
create unique index score_events_one_per_find on score_events (competitor_id, clue_id) where reason = 'find';

-- Changes name the competitor whose documents they touch, and say what happened.
alter table read_model_changes rename column player_id to competitor_id;
alter table read_model_changes drop constraint read_model_changes_player_id_fkey;
alter table read_model_changes add column kind text not null default 'find'
  check (kind in ('find', 'join', 'hint', 'membership', 'adjustment'));
update read_model_changes set kind = 'join' where clue_id is null;
alter table read_model_changes alter column kind drop default;
