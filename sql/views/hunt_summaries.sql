-- Per hunt counts shown in the hunts index and the hunt detail. Players: a solo hunt's visible
-- competitors, or the members of a team hunt's visible teams. A frozen hunt's counts are those as
-- of its freezeAt (what joined or was found before it).
create view hunt_summaries as
select
  h.id as hunt_id,
  (select count(*) from clues c where c.hunt_id = h.id)::integer as clue_count,
  (case when h.mode = 'team'
     then (select count(*) from team_members tm
             join competitors c on c.hunt_id = tm.hunt_id and c.competitor_id = tm.team_id and not c.hidden
            where tm.hunt_id = h.id and tm.joined_at < coalesce(h.freeze_at, 'infinity'))
     else (select count(*) from competitors c
            where c.hunt_id = h.id and not c.hidden and c.joined_at < coalesce(h.freeze_at, 'infinity')) end)::integer as player_count,
  (select count(*)
     from finds f
     join competitors c on c.hunt_id = f.hunt_id and c.competitor_id = f.competitor_id and not c.hidden
    where f.hunt_id = h.id and f.found_at < coalesce(h.freeze_at, 'infinity'))::integer as find_count
from hunts h;
