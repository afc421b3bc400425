-- compatible-with: 010_unlocks_and_hints
-- Organiser analytics: the stats document of each hunt, pre-serialized by the stats-refresh job
-- from the materialized views of sql/views (hunt_clue_analytics, hunt_finds_per_hour) and served
-- as it is to admins (GET /v1/admin/hunts/:slug/stats). A new table only: builds that know 010
-- keep working with it applied.
create table hunt_stats_documents (
  hunt_id      uuid primary key references hunts on delete cascade,
  -- The JSON document, with its generatedAt: written only by the job, sent byte for byte.
  body         text not null,
  -- When the refresh that computed it started: its figures hold every change committed before.
  generated_at timestamptz(3) not null
);
