// The organiser analytics' documents (admin routes only): the stats document the stats-refresh job
// writes (src/worker/stats-refresh.ts) and the API serves as it is, and the big board the API lays
// out from the materialized view (src/api/admin-analytics.ts). Times are ISO 8601 UTC; a document
// not yet generated has `generatedAt: null` and empty lists.

/** GET /v1/admin/hunts/:slug/stats */
export interface StatsDocument {
  hunt: string;
  generatedAt: string | null;
  clues: {
    clueId: string; position: number; title: string;
    finds: number; wrongGuesses: number; hintsTaken: number;
    /** Median seconds from the clue's opening for the competitor to its find (sql/views/hunt_clue_analytics.sql); null without finds. */
    medianSecondsToFind: number | null;
    firstFindAt: string | null;
  }[];
  /** UTC hours with at least one find, in order. */
  findsPerHour: { hour: string; finds: number }[];
}

/** GET /v1/admin/hunts/:slug/bigboard: every competitor against every clue (cells in clue order). */
export interface BigboardDocument {
  hunt: string;
  generatedAt: string | null;
  clues: { clueId: string; position: number; title: string }[];
  competitors: {
    competitorId: string; name: string; hidden: boolean; cluesFound: number;
    cells: { clueId: string; foundAt: string | null; hintsTaken: number; wrongGuesses: number }[];
  }[];
}

export const emptyStats = (hunt: string): StatsDocument => ({ hunt, generatedAt: null, clues: [], findsPerHour: [] });
