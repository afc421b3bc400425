-- Organiser analytics: finds per hunt and hour (UTC hours, whatever the session's time zone; hours
-- without a find are absent), every competitor's, hidden ones included. Materialized and refreshed
-- with hunt_clue_analytics by the stats-refresh job (see that file's header: WITH NO DATA, the
-- first refresh fills it).
create materialized view hunt_finds_per_hour as
select f.hunt_id,
       date_trunc('hour', f.found_at at time zone 'UTC') at time zone 'UTC' as hour,
       count(*)::integer as finds
  from finds f
 group by 1, 2
with no data;

create unique index hunt_finds_per_hour_key on hunt_finds_per_hour (hunt_id, hour);
