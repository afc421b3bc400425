-- Counts one event for (scope, key) in the current minute and says whether it is within `max`:
-- within, the count stands; past it, nothing is counted and the caller refuses the event, told
-- how many seconds remain until the minute ends. Fixed windows in rate_windows, so the limits hold
-- across every API process.
create or replace function count_in_minute(
  p_scope text, p_key text, p_max integer, out allowed boolean, out reset_in float8)
language plpgsql
set enable_seqscan = off -- a key lookup, whatever the table held when the plan was cached (see submit_answers.sql)
as $$
declare
  w_hits integer;
begin
  insert into rate_windows as w (scope, key, window_start, hits)
  values (p_scope, p_key, date_trunc('minute', clock_timestamp()), 1)
  on conflict (scope, key) do update set
    hits = case when w.window_start = excluded.window_start then w.hits + 1 else 1 end,
    window_start = excluded.window_start
  returning w.hits, extract(epoch from w.window_start + interval '1 minute' - clock_timestamp())::float8
    into w_hits, reset_in;
  allowed := w_hits <= p_max;
  if not allowed then
    update rate_windows set hits = hits - 1 where scope = p_scope and key = p_key;
  end if;
end $$;
