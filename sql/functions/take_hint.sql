-- Takes hint p_n of a clue for the player's competitor (the player in a solo hunt, their team in a
-- team hunt), in one statement and transaction: the hunt, clue and hint by the request's slug, clue
-- id and number, the live check, the competitor, the clue's unlock rule, then the hint. A hint the
-- competitor already has is returned again for nothing (also once the clue is found); otherwise it
-- must be the next one (hints 1 .. n-1 taken) of a clue not yet found, and is paid once: a
-- hints_taken row (its primary key settles two members asking at once: the one that inserts
-- nothing had it taken by the other), a 'hint' score event of -cost (no floor; finds alone order
-- ties) and a 'hint' change row, so the worker republishes the competitor. In a solo hunt a hint
-- makes the player a competitor (as a first answer does), with a 'join' change row.
-- refused: 'hunt' or 'clue' or 'hint' (no such hunt, or a draft; no such clue in it; no hint n of
-- it), 'not_live', 'team_required', 'clue_locked' (as for answers), 'already_found' (the clue is
-- found and this hint was not taken), 'hint_locked' (an earlier hint is not taken). A refusal
-- writes nothing. Otherwise the hint, and points: the competitor's points after paying.
-- changed: something was written (the API announces the hunt after the commit).
-- p_lock_timeout_ms bounds every lock wait (a member's concurrent take, a hunt an admin holds).
create or replace function take_hint(
  p_slug text, p_clue uuid, p_n integer, p_player uuid, p_handle text, p_lock_timeout_ms integer)
returns table (refused text, hunt_id uuid, competitor_id uuid,
  hint_n integer, hint_text text, hint_cost integer, points integer, changed boolean)
language plpgsql
-- Key lookups only, whatever the tables held when the plans were cached (see submit_answers.sql).
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  h record;
  v_competitor uuid;
  v_taken_at timestamptz;
  now_at timestamptz;
  joined boolean := false;
begin
  perform set_config('lock_timeout', greatest(p_lock_timeout_ms, 1) || 'ms', true);
  refused := null; hunt_id := null; competitor_id := null;
  hint_n := null; hint_text := null; hint_cost := null; points := null; changed := false;
  <<take>>
  begin
    -- A key-share lock on the hunt, as answers take: it cannot be deleted under us.
    select hu.id, hu.status, hu.starts_at, hu.ends_at, hu.mode, hu.first_live_at, c.id as clue_id,
           c.unlock_after_clues, c.unlock_after_finds, c.unlock_after_minutes, ch.n, ch.text, ch.cost into h
      from hunts hu
      left join clues c on c.hunt_id = hu.id and c.id = p_clue
      left join clue_hints ch on ch.clue_id = c.id and ch.n = p_n
     where hu.slug = p_slug for key share of hu;
    if h.id is null or h.status = 'draft' then
      refused := 'hunt';
      exit take;
    end if;
    if h.clue_id is null then
      refused := 'clue';
      exit take;
    end if;
    if h.n is null then
      refused := 'hint';
      exit take;
    end if;
    hunt_id := h.id;
    now_at := clock_timestamp(); -- after the lock, as for answers
    if h.status is distinct from 'live' or now_at < h.starts_at or now_at >= h.ends_at then
      refused := 'not_live';
      exit take;
    end if;
    if h.mode = 'team' then
      select tm.team_id into v_competitor
        from team_members tm where tm.hunt_id = h.id and tm.player_id = p_player;
      if v_competitor is null then
        refused := 'team_required';
        exit take;
      end if;
    else
      v_competitor := p_player;
    end if;
    competitor_id := v_competitor;
    if (h.unlock_after_clues is not null or h.unlock_after_finds is not null or h.unlock_after_minutes is not null)
       and not clue_unlocked(h.id, v_competitor, now_at, h.starts_at, h.first_live_at,
                             h.unlock_after_clues, h.unlock_after_finds, h.unlock_after_minutes) then
      refused := 'clue_locked';
      exit take;
    end if;

    if not exists(select 1 from hints_taken t where t.competitor_id = v_competitor and t.clue_id = p_clue and t.n = p_n) then
      if exists(select 1 from finds f where f.competitor_id = v_competitor and f.clue_id = p_clue) then
        refused := 'already_found';
        exit take;
      end if;
      if p_n > 1 and (select count(*) from hints_taken t
                       where t.competitor_id = v_competitor and t.clue_id = p_clue and t.n < p_n) < p_n - 1 then
        refused := 'hint_locked';
        exit take;
      end if;
      if h.mode = 'solo' then
        insert into competitors (hunt_id, competitor_id, name) values (h.id, v_competitor, p_handle) on conflict do nothing;
        joined := found;
      end if;
      insert into hints_taken as t (competitor_id, clue_id, n, hunt_id, player_id)
      values (v_competitor, p_clue, p_n, h.id, p_player)
      on conflict do nothing
      returning t.taken_at into v_taken_at;
      -- Nothing inserted: a teammate (or the same player, twice at once) took it first, and paid.
      if v_taken_at is not null then
        insert into score_events (hunt_id, competitor_id, player_id, points, reason, clue_id, occurred_at)
        values (h.id, v_competitor, p_player, -h.cost, 'hint', p_clue, v_taken_at);
        insert into read_model_changes (hunt_id, competitor_id, kind, clue_id) values (h.id, v_competitor, 'hint', p_clue);
        changed := true;
      end if;
      if joined then
        insert into read_model_changes (hunt_id, competitor_id, kind, clue_id) values (h.id, v_competitor, 'join', null);
        changed := true;
      end if;
    end if;

    hint_n := h.n;
    hint_text := h.text;
    hint_cost := h.cost;
    points := (select coalesce(sum(l.points), 0) from score_ledger l where l.hunt_id = h.id and l.competitor_id = v_competitor);
  end;
  return next;
end $$;
