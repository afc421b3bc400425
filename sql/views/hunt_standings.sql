-- Standings of every hunt, computed from the base tables: points are the sum of a player's score
-- events; ties on points break on the time of the latest score event (earlier is better); players
-- equal on both share a rank (1-2-2-4) and are listed by handle. Only visible participants with at
-- least one find are ranked. Filtering on hunt_id is pushed into the aggregates (it is the window
-- partition), so the per-hunt refresh reads only that hunt's rows.
create view hunt_standings as
with totals as (
  select e.hunt_id, e.player_id, sum(e.points)::integer as points, max(e.occurred_at) as last_event_at
  from score_events e
  group by e.hunt_id, e.player_id
), found as (
  select f.hunt_id, f.player_id, count(*)::integer as clues_found
  from finds f
  group by f.hunt_id, f.player_id
)
select
  t.hunt_id,
  t.player_id,
  p.handle,
  t.points,
  f.clues_found,
  t.last_event_at,
  (rank() over (partition by t.hunt_id order by t.points desc, t.last_event_at))::integer as rank,
  (row_number() over (partition by t.hunt_id
     order by t.points desc, t.last_event_at, p.handle collate "C", t.player_id))::integer as position
from totals t
join found f on f.hunt_id = t.hunt_id and f.player_id = t.player_id
join hunt_participants hp on hp.hunt_id = t.hunt_id and hp.player_id = t.player_id and not hp.hidden
join players p on p.id = t.player_id;
