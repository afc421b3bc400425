-- The organiser's big board, materialized: per competitor and clue where anything happened, when
-- it was found, how many hints the competitor took and how many wrong guesses its players made
-- (distinct guesses). Refreshed with hunt_clue_analytics by the stats-refresh job (see that file's
-- header: WITH NO DATA, the first refresh fills it); GET /v1/admin/hunts/:slug/bigboard lays it out
-- as every competitor against every clue.
-- Guesses are stored per player: in a team hunt they count for the player's team now (a player who
-- left every team of the hunt counts for none, though the hunt's per-clue total keeps them).
create materialized view hunt_bigboard_cells as
select cells.hunt_id, cells.competitor_id, cells.clue_id,
       max(cells.found_at) as found_at,
       sum(cells.hints)::integer as hints_taken,
       sum(cells.wrong)::integer as wrong_guesses
  from (
    select f.hunt_id, f.competitor_id, f.clue_id, f.found_at, 0 as hints, 0 as wrong from finds f
    union all
    select t.hunt_id, t.competitor_id, t.clue_id, null, 1, 0 from hints_taken t
    union all
    select s.hunt_id, coalesce(tm.team_id, s.player_id), s.clue_id, null, 0, 1
      from submissions s
      left join team_members tm on tm.hunt_id = s.hunt_id and tm.player_id = s.player_id
     where not s.correct
  ) cells
 where exists (select 1 from competitors c where c.hunt_id = cells.hunt_id and c.competitor_id = cells.competitor_id)
 group by cells.hunt_id, cells.competitor_id, cells.clue_id
with no data;

create unique index hunt_bigboard_cells_key on hunt_bigboard_cells (hunt_id, competitor_id, clue_id);
