-- Abuse limits, kept in the database so they hold across every API process.

-- Per player and clue: wrong guesses so far and, once past the free ones, until when new guesses
-- are refused (the back-off doubles with each further wrong guess).
create table guess_limits (
  player_id     uuid not null references players on delete cascade,
  clue_id       uuid not null references clues on delete cascade,
  wrong_guesses integer not null default 0,
  blocked_until timestamptz,
  primary key (player_id, clue_id)
);

-- Fixed one-minute windows of counted events, per scope and key: new guesses per player
-- (scope 'guess', across all clues, stops sweeping) and registrations per client address
-- (scope 'register').
create table rate_windows (
  scope        text not null,
  key          text not null,
  window_start timestamptz not null,
  hits         integer not null,
  primary key (scope, key)
);
