-- The one ranking definition (its TypeScript form is compareStandings in
-- src/worker/incremental-update.ts; tests hold the two to the same bytes): a hunt's standings as of
-- a moment, counting only finds and score events before p_until. The public standings of a frozen
-- hunt are those as of its freezeAt (hunt_standings), the organisers' live ones as of 'infinity'.
-- Points are the sum of the competitor's ledger, with no floor: its finds' points and its score
-- events (bonuses, hints, adjustments); ties on points break on the
-- competitor's latest find (earlier is better; events that are not finds never move it);
-- competitors equal on both share a rank (1-2-2-4) and are listed by name (byte order), then id.
-- Only visible competitors with at least one find are ranked. A plain SQL function, inlined into
-- the query that calls it: each aggregate reads one hunt's index range.
create function standings_until(p_hunt uuid, p_until timestamptz)
returns table (competitor_id uuid, name text, points integer, clues_found integer, last_find_at timestamptz,
               rank integer, "position" integer)
language sql stable as $$
  with found as (
    select f.competitor_id, sum(f.points)::integer as points, count(*)::integer as clues_found, max(f.found_at) as last_find_at
      from finds f
     where f.hunt_id = p_hunt and f.found_at < p_until
     group by f.competitor_id
  ), events as (
    select e.competitor_id, sum(e.points)::integer as points
      from score_events e
     where e.hunt_id = p_hunt and e.occurred_at < p_until
     group by e.competitor_id
  ), totals as (
    select f.competitor_id, f.points + coalesce(e.points, 0) as points, f.clues_found, f.last_find_at
      from found f left join events e on e.competitor_id = f.competitor_id
  )
  select t.competitor_id, c.name, t.points, t.clues_found, t.last_find_at,
         (rank() over (order by t.points desc, t.last_find_at))::integer,
         (row_number() over (order by t.points desc, t.last_find_at, c.name collate "C", t.competitor_id))::integer
    from totals t
    join competitors c on c.hunt_id = p_hunt and c.competitor_id = t.competitor_id and not c.hidden
$$;
