-- compatible-with: 004_answer_batches
-- (Storage settings only: a build that knows 004 works on this database unchanged.)
--
-- The worker deletes rate_windows rows whose minute is over (src/worker/rate-window-pruning.ts),
-- so the table's rows turn over every minute or two. Vacuum it on a small absolute threshold, as
-- the other queue-like tables (003), so the space is reused and the table stays as small as a
-- minute's traffic, which keeps the pruning's scan short.
alter table rate_windows set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0);
