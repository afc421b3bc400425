-- Standings of every hunt, computed from the base tables: the one ranking definition (its
-- TypeScript form is compareStandings in src/worker/incremental-update.ts; tests hold the two to
-- the same bytes). Points are the sum of a competitor's score events, with no floor; ties on
-- points break on the competitor's latest find (earlier is better; events that are not finds never
-- move it); competitors equal on both share a rank (1-2-2-4) and are listed by name (byte order),
-- then id. Only visible competitors with at least one find are ranked. Filtering on hunt_id is
-- pushed into the aggregates (it is the window partition), so the per-hunt refresh reads only that
-- hunt's rows.
create view hunt_standings as
with totals as (
  select e.hunt_id, e.competitor_id, sum(e.points)::integer as points
  from score_events e
  group by e.hunt_id, e.competitor_id
), found as (
  select f.hunt_id, f.competitor_id, count(*)::integer as clues_found, max(f.found_at) as last_find_at
  from finds f
  group by f.hunt_id, f.competitor_id
)
select
  t.hunt_id,
  t.competitor_id,
  c.name,
  t.points,
  f.clues_found,
  f.last_find_at,
  (rank() over (partition by t.hunt_id order by t.points desc, f.last_find_at))::integer as rank,
  (row_number() over (partition by t.hunt_id
     order by t.points desc, f.last_find_at, c.name collate "C", t.competitor_id))::integer as position
from totals t
join found f on f.hunt_id = t.hunt_id and f.competitor_id = t.competitor_id
join competitors c on c.hunt_id = t.hunt_id and c.competitor_id = t.competitor_id and not c.hidden;
