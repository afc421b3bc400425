-- compatible-with: 005_rate_window_pruning
-- API processes hold every player's token hash in memory and poll for players registered since
-- their last look (src/api/player-directory.ts): a range scan, whatever the table's size.
create index if not exists players_created_at on players (created_at);
