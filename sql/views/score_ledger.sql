-- Every competitor's ledger of signed points: each find (its clue's points as found) and each score
-- event (first-finder bonuses, hints paid for, organisers' adjustments). A competitor's points are
-- the sum of its rows; standings_until.sql sums the same two tables (functions are created before
-- views, so it cannot read this one). Filters on hunt and competitor reach both tables' indexes.
create view score_ledger as
  select f.hunt_id, f.competitor_id, f.player_id, f.points, 'find'::text as reason, f.clue_id, null::text as note,
         f.found_at as occurred_at
    from finds f
  union all
  select e.hunt_id, e.competitor_id, e.player_id, e.points, e.reason, e.clue_id, e.note, e.occurred_at
    from score_events e;
