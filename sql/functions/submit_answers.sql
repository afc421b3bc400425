-- Answers in one round trip and one transaction: the API sends those that arrive together as one
-- batch (one statement, one commit, one WAL flush for all of them; when answers come one at a
-- time, a batch is one answer). In array order, each answer as if alone: the hunt and clue by the
-- request's slug and clue id, the live check, the guess limits, the attempt, the competitor's
-- participation and, on its first correct answer, the find (the ledger's entry for its points) and
-- the change row the incremental refresh publishes. The competitor is who is ranked: in a solo hunt the player
-- (competitor id = player id, named by the handle in p_handles). A repeated guess changes nothing.
-- An answer refused by a check
-- changes nothing either: every check comes before its writes (the minute's count, the one write
-- before a check, is taken back), so a refusal is a result row, never an error that would roll back
-- the other answers of the batch.
-- refused: 'hunt' or 'clue' (no such hunt, or a draft; no such clue in it), 'not_live' (not
-- accepting answers now), 'team_required' (a team hunt, and the player is in no team of it),
-- 'clue_locked' (an unlock condition of the clue does not hold for the competitor: see
-- clue_unlocked.sql; nothing is counted), 'per_minute' or 'backoff' (a guess limit; wait_seconds
-- says how long).
-- In a team hunt the competitor is the player's team: the first correct answer of any member is
-- the team's find, a teammate's later one is already found.
-- A find among a clue's first finders also earns the hunt's first-finder bonus for its place, a
-- score event of its own, included in the answer's points.
-- The API orders a batch by player: every batch then takes players' row locks in the same order,
-- and two batches cannot deadlock over them.
-- p_budget_ms: what is left of the batch's earliest answer deadline. A lock not granted within it
-- fails the batch (55P03), and a batch that took longer in all raises 57014 before returning, so
-- it rolls back: an answer the API already told 503 is never written later. Only a commit already
-- under way (its WAL flush stalled, say) can land after that; it is recorded once, and sending the
-- answer again is safe.
create or replace function submit_answers(
  p_slugs text[], p_clues uuid[], p_players uuid[], p_handles text[], p_guesses bytea[],
  p_key_id text, p_norm_version smallint,
  p_free_wrong integer, p_backoff_base float8, p_backoff_max float8, p_max_per_minute integer,
  p_budget_ms integer)
returns table (ord integer, hunt_id uuid, refused text, wait_seconds float8,
  correct boolean, already_found boolean, points integer, found_at timestamptz, joined boolean,
  competitor_id uuid, competitor_name text)
language plpgsql
-- Every statement here finds its rows by key. A plan cached while a table was empty (a new event,
-- or right after a vacuum) would otherwise be a sequential scan, kept while the table grows with
-- every answer until autovacuum's next analyze: answers got slower by the second.
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  h record;
  minute record;
  v_hunt uuid;
  v_clue uuid;
  v_player uuid;
  v_competitor uuid;
  v_guess bytea;
  now_at timestamptz;
  wait float8;
begin
  -- Local to this statement's transaction: lock waits (an ACCESS EXCLUSIVE lock held on an answer
  -- table, a row an admin holds) end at the deadline.
  perform set_config('lock_timeout', greatest(p_budget_ms, 1) || 'ms', true);
  for i in 1 .. coalesce(array_length(p_slugs, 1), 0) loop
    ord := i;
    hunt_id := null; refused := null; wait_seconds := null;
    correct := false; already_found := false; points := 0; found_at := null; joined := false;
    competitor_id := null; competitor_name := null;
    v_clue := p_clues[i];
    v_player := p_players[i];
    v_guess := p_guesses[i];
    <<answer>>
    begin
      -- A key-share lock on the hunt: it cannot be deleted under the batch. An admin ending it takes
      -- a no-key-update lock, which does not wait for answers: one judged live counts.
      select hu.id, hu.status, hu.starts_at, hu.ends_at, hu.mode, hu.first_live_at, hu.first_finder_bonus, c.points as clue_points,
             c.unlock_after_clues, c.unlock_after_finds, c.unlock_after_minutes into h
        from hunts hu left join clues c on c.hunt_id = hu.id and c.id = v_clue
       where hu.slug = p_slugs[i] for key share of hu;
      if h.id is null or h.status = 'draft' then
        refused := 'hunt';
        exit answer;
      end if;
      if h.clue_points is null then
        refused := 'clue';
        exit answer;
      end if;
      v_hunt := h.id;
      hunt_id := h.id;
      now_at := clock_timestamp(); -- after the lock: an admin's end time that we waited for applies
      if h.status is distinct from 'live' or now_at < h.starts_at or now_at >= h.ends_at then
        refused := 'not_live';
        exit answer;
      end if;
      if h.mode = 'team' then
        select t.id, t.name into v_competitor, competitor_name
          from team_members tm join teams t on t.id = tm.team_id
         where tm.hunt_id = v_hunt and tm.player_id = v_player;
        if v_competitor is null then
          refused := 'team_required';
          exit answer;
        end if;
      else
        v_competitor := v_player;
        competitor_name := p_handles[i];
      end if;
      competitor_id := v_competitor;
      -- A locked clue takes no guess: refused before anything is counted or written.
      if (h.unlock_after_clues is not null or h.unlock_after_finds is not null or h.unlock_after_minutes is not null)
         and not clue_unlocked(v_hunt, v_competitor, now_at, h.starts_at, h.first_live_at,
                               h.unlock_after_clues, h.unlock_after_finds, h.unlock_after_minutes) then
        refused := 'clue_locked';
        exit answer;
      end if;
      correct := exists(select 1 from clue_answers a where a.clue_id = v_clue and a.key_id = p_key_id
                          and a.norm_version = p_norm_version and a.answer_hash = v_guess);
      -- The guess before the find, in this order: under READ COMMITTED each statement sees a newer
      -- snapshot, and a guess and its find commit together. Read the other way round, a concurrent
      -- duplicate that committed between the two reads was missing from the first (no find yet)
      -- and present in the second (a repeated guess): the repeat was reported as not yet found.
      if exists(select 1 from submissions s where s.player_id = v_player and s.clue_id = v_clue and s.guess_hash = v_guess) then
        already_found := exists(select 1 from finds f where f.competitor_id = v_competitor and f.clue_id = v_clue);
        exit answer;
      end if;
      already_found := exists(select 1 from finds f where f.competitor_id = v_competitor and f.clue_id = v_clue);

      minute := count_in_minute('guess', v_player::text, p_max_per_minute);
      if not minute.allowed then
        refused := 'per_minute';
        wait_seconds := minute.reset_in;
        exit answer;
      end if;
      select extract(epoch from g.blocked_until - clock_timestamp())::float8 into wait
        from guess_limits g where g.player_id = v_player and g.clue_id = v_clue for update;
      if wait > 0 then
        -- This answer's minute count is taken back: refused, it counts for nothing.
        update rate_windows set hits = hits - 1 where scope = 'guess' and key = v_player::text;
        refused := 'backoff';
        wait_seconds := wait;
        exit answer;
      end if;

      -- A first answer makes the player a competitor, which the hunt's playerCount shows.
      -- (A team is a competitor from its creation.)
      if h.mode = 'solo' then
        insert into competitors (hunt_id, competitor_id, name) values (v_hunt, v_competitor, p_handles[i]) on conflict do nothing;
        joined := found;
      end if;
      insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct)
      values (v_hunt, v_clue, v_player, p_key_id, v_guess, correct)
      on conflict (player_id, clue_id, guess_hash) do nothing;

      if not correct then
        -- Past the free wrong guesses, each starts a back-off twice as long as the last.
        insert into guess_limits as g (player_id, clue_id, wrong_guesses, blocked_until)
        values (v_player, v_clue, 1, case when 1 > p_free_wrong then clock_timestamp() + least(p_backoff_max, p_backoff_base) * interval '1 second' end)
        on conflict (player_id, clue_id) do update set
          wrong_guesses = g.wrong_guesses + 1,
          blocked_until = case when g.wrong_guesses + 1 > p_free_wrong
            then clock_timestamp() + least(p_backoff_max, p_backoff_base * power(2, g.wrong_guesses - p_free_wrong)) * interval '1 second' end;
      else
        -- The primary key of finds settles concurrent duplicates: the loser inserts nothing.
        insert into finds as f (competitor_id, clue_id, hunt_id, player_id, points, found_at)
        values (v_competitor, v_clue, v_hunt, v_player, h.clue_points, clock_timestamp())
        on conflict (competitor_id, clue_id) do nothing
        returning f.found_at into found_at;
        if found_at is null then
          already_found := true;
        else
          -- The find is the ledger's entry for its points (standings_until.sql): no score event.
          points := h.clue_points;
          -- First-finder bonus: the first free place, in the order finds are written. The unique
          -- index on (clue, place) settles finds written at once (the second waits for the first's
          -- commit, then takes the next place); nothing every answer to the clue must lock. Places
          -- already taken are counted from that index (at most five entries) to start past them.
          if cardinality(h.first_finder_bonus) > 0 then
            for v_place in (select count(*) + 1 from score_events e where e.clue_id = v_clue and e.reason = 'bonus')
                         .. cardinality(h.first_finder_bonus) loop
              insert into score_events (hunt_id, competitor_id, player_id, points, reason, clue_id, occurred_at, place)
              values (v_hunt, v_competitor, v_player, h.first_finder_bonus[v_place], 'bonus', v_clue, found_at, v_place)
              on conflict do nothing;
              if found then
                points := points + h.first_finder_bonus[v_place];
                exit;
              end if;
            end loop;
          end if;
          insert into read_model_changes (hunt_id, competitor_id, kind, clue_id) values (v_hunt, v_competitor, 'find', v_clue);
          exit answer;
        end if;
      end if;
      if joined then
        insert into read_model_changes (hunt_id, competitor_id, kind, clue_id) values (v_hunt, v_competitor, 'join', null);
      end if;
    end;
    return next;
  end loop;
  if clock_timestamp() > statement_timestamp() + p_budget_ms * interval '1 millisecond' then
    raise exception 'the answers'' deadline passed before they were recorded' using errcode = 'query_canceled';
  end if;
end $$;
