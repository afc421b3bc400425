-- One answer in one round trip (a statement is its own transaction): the hunt and clue by the
-- request's slug and clue id, the live check, the guess limits, the attempt, the player's
-- participation and, on the first correct answer, the find, its score event and the change row
-- the incremental refresh publishes; the change row last, so its recorded_at is the end of the
-- transaction. A repeated guess changes nothing.
-- Refusals raise, which rolls everything back: SQLSTATE TH404 no such hunt (or a draft) or clue,
-- which one in DETAIL; TH409 the hunt is not live; TH429 a guess limit, the seconds to wait in DETAIL.
create or replace function submit_answer(
  p_slug text, p_clue uuid, p_player uuid,
  p_key_id text, p_norm_version smallint, p_guess bytea,
  p_free_wrong integer, p_backoff_base float8, p_backoff_max float8, p_max_per_minute integer,
  out hunt_id uuid, out correct boolean, out already_found boolean, out points integer, out found_at timestamptz, out joined boolean)
language plpgsql
-- Every statement here finds its rows by key. A plan cached while a table was empty (a new event,
-- or right after a vacuum) would otherwise be a sequential scan, kept while the table grows with
-- every answer until autovacuum's next analyze: answers got slower by the second.
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  h record;
  v_hunt uuid; -- the hunt's id (hunt_id is the result column)
  now_at timestamptz;
  minute record;
  wait float8;
begin
  points := 0;
  joined := false;
  -- A key-share lock on the hunt: an admin ending it (FOR UPDATE) waits for this answer or is seen by it.
  select hu.id, hu.status, hu.starts_at, hu.ends_at, c.points as clue_points into h
    from hunts hu left join clues c on c.hunt_id = hu.id and c.id = p_clue
   where hu.slug = p_slug for key share of hu;
  if h.id is null or h.status = 'draft' then
    raise exception 'no such hunt' using errcode = 'TH404', detail = 'hunt';
  end if;
  if h.clue_points is null then
    raise exception 'no such clue' using errcode = 'TH404', detail = 'clue';
  end if;
  v_hunt := h.id;
  hunt_id := h.id;
  now_at := clock_timestamp(); -- after the lock: an admin's end time that we waited for applies
  if h.status is distinct from 'live' or now_at < h.starts_at or now_at >= h.ends_at then
    raise exception 'the hunt is not accepting answers now' using errcode = 'TH409';
  end if;
  correct := exists(select 1 from clue_answers a where a.clue_id = p_clue and a.key_id = p_key_id
                      and a.norm_version = p_norm_version and a.answer_hash = p_guess);
  already_found := exists(select 1 from finds f where f.player_id = p_player and f.clue_id = p_clue);
  if exists(select 1 from submissions s where s.player_id = p_player and s.clue_id = p_clue and s.guess_hash = p_guess) then
    return;
  end if;

  minute := count_in_minute('guess', p_player::text, p_max_per_minute);
  if not minute.allowed then
    raise exception 'at most % new guesses per minute', p_max_per_minute using errcode = 'TH429', detail = minute.reset_in::text;
  end if;
  select extract(epoch from g.blocked_until - clock_timestamp())::float8 into wait
    from guess_limits g where g.player_id = p_player and g.clue_id = p_clue for update;
  if wait > 0 then
    raise exception 'too many wrong guesses for this clue; wait before guessing again' using errcode = 'TH429', detail = wait::text;
  end if;

  -- A first answer makes the player a participant, which the hunt's playerCount shows.
  insert into hunt_participants (hunt_id, player_id) values (v_hunt, p_player) on conflict do nothing;
  joined := found;
  insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct)
  values (v_hunt, p_clue, p_player, p_key_id, p_guess, correct)
  on conflict (player_id, clue_id, guess_hash) do nothing;

  if not correct then
    -- Past the free wrong guesses, each starts a back-off twice as long as the last.
    insert into guess_limits as g (player_id, clue_id, wrong_guesses, blocked_until)
    values (p_player, p_clue, 1, case when 1 > p_free_wrong then clock_timestamp() + least(p_backoff_max, p_backoff_base) * interval '1 second' end)
    on conflict (player_id, clue_id) do update set
      wrong_guesses = g.wrong_guesses + 1,
      blocked_until = case when g.wrong_guesses + 1 > p_free_wrong
        then clock_timestamp() + least(p_backoff_max, p_backoff_base * power(2, g.wrong_guesses - p_free_wrong)) * interval '1 second' end;
  else
    -- The primary key of finds settles concurrent duplicates: the loser inserts nothing.
    insert into finds as f (player_id, clue_id, hunt_id, points, found_at)
    values (p_player, p_clue, v_hunt, h.clue_points, clock_timestamp())
    on conflict (player_id, clue_id) do nothing
    returning f.found_at into found_at;
    if found_at is null then
      already_found := true;
    else
      insert into score_events (hunt_id, player_id, points, reason, clue_id, occurred_at)
      values (v_hunt, p_player, h.clue_points, 'find', p_clue, found_at);
      points := h.clue_points;
      insert into read_model_changes (hunt_id, player_id, clue_id) values (v_hunt, p_player, p_clue);
      return;
    end if;
  end if;
  if joined then
    insert into read_model_changes (hunt_id, player_id, clue_id) values (v_hunt, p_player, null);
  end if;
end $$;
