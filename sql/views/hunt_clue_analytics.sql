-- Organiser analytics per clue, materialized: finds, wrong guesses, hints taken, the median seconds
-- from the clue's opening for the competitor to its find, and the first find. Aggregates over all
-- competitors that need no sub-second freshness: the stats-refresh job (src/worker/stats-refresh.ts)
-- refreshes it CONCURRENTLY every STATS_REFRESH_SECONDS and on an admin's request; nothing reads the
-- base tables per request. Every competitor counts, hidden ones included: the organiser's view of
-- what happened, not the public standings (frozen or not).
--
-- When a clue opens for a competitor: the latest of
--   - the hunt's start: starts_at, else first_live_at (what afterMinutes counts from);
--   - afterMinutes: that start plus the minutes;
--   - afterClues: the competitor's latest find among those clues;
--   - afterFinds N: the competitor's N-th find in the hunt, by time.
-- A condition that cannot be dated (a required clue the competitor never found: the rule changed
-- after the find) is left out. A find dated before its opening (a guess credited at its original
-- time by a re-judgement, a start moved later) counts 0 seconds. A hunt never started has no finds.
-- Wrong guesses: the distinct wrong guesses stored (a repeated guess is stored once), by anyone.
-- Hints taken: hints bought (each hint once per competitor).
--
-- Created WITH NO DATA: when it is re-created (the text of a view or function changed) the
-- migration costs nothing; the job's next refresh fills it, without CONCURRENTLY the first time
-- (which needs a populated view). Readers never read it unpopulated (admin-analytics.ts).
create materialized view hunt_clue_analytics as
with started as (
  select id as hunt_id, coalesce(starts_at, first_live_at) as started_at from hunts
), after_clues as (
  select f.competitor_id, f.clue_id, max(p.found_at) as opened_at
    from clues c
    join finds f on f.clue_id = c.id
    cross join unnest(c.unlock_after_clues) as required(clue_id)
    join finds p on p.competitor_id = f.competitor_id and p.clue_id = required.clue_id
   where c.unlock_after_clues is not null
   group by f.competitor_id, f.clue_id
), finds_in_order as (
  -- Each competitor's find times in order, for afterFinds N (the N-th), only in hunts that have
  -- such a rule. An array per competitor joins on the competitor alone: joined on (competitor, N),
  -- the planner paired every afterFinds clue with every competitor's N-th find first (26 million
  -- rows at 1.7 million finds).
  select f.competitor_id, array_agg(f.found_at order by f.found_at, f.clue_id) as times
    from finds f
   where f.hunt_id in (select c.hunt_id from clues c where c.unlock_after_finds is not null)
   group by f.competitor_id
), timed_finds as materialized (
  -- Materialized: the per-clue sort then carries three narrow columns, not the arrays above
  -- (71 MB spilled to disk instead of 270 MB at 1.7 million finds).
  select f.clue_id, f.found_at,
         greatest(0, extract(epoch from f.found_at - greatest(
           s.started_at, s.started_at + c.unlock_after_minutes * interval '1 minute', ac.opened_at, fo.times[c.unlock_after_finds])))::float8 as seconds
    from finds f
    join clues c on c.id = f.clue_id
    join started s on s.hunt_id = f.hunt_id
    left join after_clues ac on ac.competitor_id = f.competitor_id and ac.clue_id = f.clue_id
    left join finds_in_order fo on c.unlock_after_finds is not null and fo.competitor_id = f.competitor_id
), per_clue as (
  select clue_id, count(*)::integer as finds, min(found_at) as first_find_at,
         percentile_cont(0.5) within group (order by seconds) as median_seconds
    from timed_finds
   group by clue_id
), wrong as (
  select clue_id, count(*)::integer as n from submissions where not correct group by clue_id
), hints as (
  select clue_id, count(*)::integer as n from hints_taken group by clue_id
)
select
  c.hunt_id,
  c.id as clue_id,
  coalesce(pc.finds, 0) as finds,
  coalesce(w.n, 0) as wrong_guesses,
  coalesce(h.n, 0) as hints_taken,
  -- Finds are timed to the millisecond; the median of an even count can fall between two.
  round(pc.median_seconds::numeric, 3)::float8 as median_seconds_to_find,
  pc.first_find_at
from clues c
left join per_clue pc on pc.clue_id = c.id
left join wrong w on w.clue_id = c.id
left join hints h on h.clue_id = c.id
with no data;

-- REFRESH ... CONCURRENTLY needs a unique index on plain columns; readers look up a hunt's rows.
create unique index hunt_clue_analytics_key on hunt_clue_analytics (hunt_id, clue_id);
