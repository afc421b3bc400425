-- requires: hunt_summaries
-- Materialized cross-hunt counts for the full rebuild.
create materialized view mv_hunt_summaries as select * from hunt_summaries;
create unique index mv_hunt_summaries_key on mv_hunt_summaries (hunt_id);
