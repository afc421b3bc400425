-- requires: hunt_clue_stats
-- Materialized per-clue stats of all hunts for the full rebuild.
create materialized view mv_hunt_clue_stats as select * from hunt_clue_stats;
create unique index mv_hunt_clue_stats_key on mv_hunt_clue_stats (clue_id);
create index mv_hunt_clue_stats_hunt on mv_hunt_clue_stats (hunt_id);
