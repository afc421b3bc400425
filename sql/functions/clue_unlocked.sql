-- Whether a clue's unlock conditions all hold for a competitor at p_now (the one rule answers and
-- hints apply; see 010_unlocks_and_hints.sql): every clue of p_after_clues found by the competitor,
-- at least p_after_finds finds of it in the hunt, and p_now at least p_after_minutes after the
-- hunt's start (its startsAt, or else its first move to live; a hunt never live is locked). A null
-- condition holds. Callers skip the call for a clue without conditions.
create or replace function clue_unlocked(
  p_hunt uuid, p_competitor uuid, p_now timestamptz, p_starts_at timestamptz, p_first_live_at timestamptz,
  p_after_clues uuid[], p_after_finds integer, p_after_minutes integer)
returns boolean
language plpgsql stable
-- Key lookups only, whatever the tables held when the plans were cached (see submit_answers.sql).
set enable_seqscan = off
as $$
begin
  if p_after_minutes is not null
     and (coalesce(p_starts_at, p_first_live_at) is null
          or p_now < coalesce(p_starts_at, p_first_live_at) + p_after_minutes * interval '1 minute') then
    return false;
  end if;
  -- Primary-key lookups of finds (competitor_id, clue_id).
  if p_after_clues is not null and exists(
       select 1 from unnest(p_after_clues) as a(id)
        where not exists(select 1 from finds f where f.competitor_id = p_competitor and f.clue_id = a.id)) then
    return false;
  end if;
  -- finds_hunt (hunt_id, competitor_id), reading no more finds than the rule asks for.
  if p_after_finds is not null and (
       select count(*) from (select 1 from finds f where f.hunt_id = p_hunt and f.competitor_id = p_competitor
                              limit p_after_finds) as enough) < p_after_finds then
    return false;
  end if;
  return true;
end $$;
