-- Per clue: how many visible players solved it and who did first (ties on the millisecond go to
-- the smaller handle, the same order the leaderboard uses).
create view hunt_clue_stats as
select
  c.hunt_id,
  c.id as clue_id,
  (select count(*)
     from finds f
     join hunt_participants hp on hp.hunt_id = f.hunt_id and hp.player_id = f.player_id and not hp.hidden
    where f.clue_id = c.id)::integer as solve_count,
  ff.player_id as first_player_id,
  ff.handle as first_handle,
  ff.found_at as first_found_at
from clues c
left join lateral (
  select f.player_id, p.handle, f.found_at
  from finds f
  join hunt_participants hp on hp.hunt_id = f.hunt_id and hp.player_id = f.player_id and not hp.hidden
  join players p on p.id = f.player_id
  where f.clue_id = c.id
  order by f.found_at, p.handle collate "C", p.id
  limit 1
) ff on true;
