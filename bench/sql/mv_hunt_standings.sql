-- requires: hunt_standings
-- Materialized standings of all hunts for the full rebuild: one REFRESH ... CONCURRENTLY instead of
-- one ranking query per hunt. The unique index is what CONCURRENTLY needs.
create materialized view mv_hunt_standings as select * from hunt_standings;
create unique index mv_hunt_standings_key on mv_hunt_standings (hunt_id, competitor_id);
create index mv_hunt_standings_position on mv_hunt_standings (hunt_id, position);
