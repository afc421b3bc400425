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

-- Per player: new guesses in the current minute, across all clues (stops sweeping many clues).
create table player_guess_windows (
  player_id    uuid primary key references players on delete cascade,
  window_start timestamptz not null,
  guesses      integer not null
);

-- Per client address: registrations in the current minute.
create table registration_windows (
  address       text primary key,
  window_start  timestamptz not null,
  registrations integer not null
);
