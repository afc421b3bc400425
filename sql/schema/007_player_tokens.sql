-- compatible-with: 006_players_by_creation
-- Moving to another device: a player asks for a short-lived transfer code on the old device and
-- claims it on the new one, which gets a token of its own (POST /v1/me/transfer-codes,
-- POST /v1/players/claim). New tables only: builds that know 006 keep working on this database
-- (they never see a claimed token, so a token claimed during a rolling upgrade is refused by an
-- old API process until it is replaced).

-- A player's tokens beyond the first. players.token_hash stays the player's first token (the one
-- registration gave), and a token is the player's if it is there or here: no backfill. Backfilling
-- every token here and looking only here would be the other way, but then every registration must
-- write both tables, and an older build still running in a rolling upgrade registers players into
-- players alone: their tokens would be unknown to the new build. Keeping the first token where it
-- is makes this migration invisible to older builds.
-- Only the SHA-256 of a token is stored (src/core/tokens.ts), never the token.
create table player_tokens (
  token_hash bytea primary key,
  player_id  uuid not null references players on delete cascade,
  created_at timestamptz(3) not null default clock_timestamp()
);
-- API processes hold every token hash in memory and poll for new ones each second, as for players
-- (006, src/api/player-directory.ts).
create index player_tokens_created_at on player_tokens (created_at);
create index player_tokens_player on player_tokens (player_id);

-- Single-use codes, valid 10 minutes. Secrets like tokens: only the SHA-256 of the normalized code
-- is stored. Claiming sets used_at in the statement that checks it (one claim wins); a player has
-- at most one code not yet used (the partial unique index: asking again replaces it), so no player
-- can pile up rows. The worker deletes codes an hour after they expire, used or not.
create table transfer_codes (
  code_hash  bytea primary key,
  player_id  uuid not null references players on delete cascade,
  created_at timestamptz(3) not null default clock_timestamp(),
  expires_at timestamptz(3) not null,
  used_at    timestamptz(3)
);
create unique index transfer_codes_one_unused on transfer_codes (player_id) where used_at is null;
create index transfer_codes_expires_at on transfer_codes (expires_at);
