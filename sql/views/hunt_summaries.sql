-- Per hunt counts shown in the hunts index and the hunt detail.
create view hunt_summaries as
select
  h.id as hunt_id,
  (select count(*) from clues c where c.hunt_id = h.id)::integer as clue_count,
  (select count(*) from hunt_participants hp where hp.hunt_id = h.id and not hp.hidden)::integer as player_count,
  (select count(*)
     from finds f
     join hunt_participants hp on hp.hunt_id = f.hunt_id and hp.player_id = f.player_id and not hp.hidden
    where f.hunt_id = h.id)::integer as find_count
from hunts h;
