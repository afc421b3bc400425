-- The public standings of every hunt (standings_until.sql holds the ranking): as of its freezeAt
-- while frozen, live otherwise (no event happens after now, so a freezeAt still to come changes
-- nothing). A filter on hunt_id reads one hunt.
create view hunt_standings as
select h.id as hunt_id, s.competitor_id, s.name, s.points, s.clues_found, s.last_find_at, s.rank, s.position
  from hunts h
 cross join lateral standings_until(h.id, coalesce(h.freeze_at, 'infinity')) s;
