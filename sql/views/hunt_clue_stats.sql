-- Per clue: how many visible competitors solved it and which did first (ties on the millisecond
-- go to the smaller name, the same order the leaderboard uses); in a frozen hunt, as of its freezeAt. Set-based, grouped by hunt: a
-- filter on hunt_id reaches the covering finds index.
create view hunt_clue_stats as
with visible_finds as not materialized (
  select f.hunt_id, f.clue_id, f.competitor_id, c.name, f.found_at
    from finds f
    join competitors c on c.hunt_id = f.hunt_id and c.competitor_id = f.competitor_id and not c.hidden
    join hunts h on h.id = f.hunt_id
   where f.found_at < coalesce(h.freeze_at, 'infinity')
), per_clue as not materialized (
  select hunt_id, clue_id, count(*) as solve_count, min(found_at) as first_at
    from visible_finds
   group by hunt_id, clue_id
), first_finder as (
  select distinct on (v.hunt_id, v.clue_id) v.hunt_id, v.clue_id, v.competitor_id, v.name, v.found_at
    from visible_finds v
    join per_clue pc on pc.hunt_id = v.hunt_id and pc.clue_id = v.clue_id and pc.first_at = v.found_at
   order by v.hunt_id, v.clue_id, v.name collate "C", v.competitor_id
)
select
  c.hunt_id,
  c.id as clue_id,
  coalesce(pc.solve_count, 0)::integer as solve_count,
  ff.competitor_id as first_competitor_id,
  ff.name as first_name,
  ff.found_at as first_found_at
from clues c
left join per_clue pc on pc.hunt_id = c.hunt_id and pc.clue_id = c.id
left join first_finder ff on ff.hunt_id = c.hunt_id and ff.clue_id = c.id;
