-- Answers are recorded in batches by submit_answers (sql/functions/submit_answers.sql); the
-- one-answer function it replaces is dropped, whatever its parameters were.
do $$
declare
  f regprocedure;
begin
  for f in select oid::regprocedure from pg_proc where proname = 'submit_answer' and pronamespace = current_schema()::regnamespace loop
    execute format('drop function %s', f);
  end loop;
end $$;
