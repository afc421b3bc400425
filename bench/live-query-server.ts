// The approach this engine replaces: compute the leaderboard per request. express 5 and a pg Pool
// (DB_POOL_MAX connections, as the API's), running the engine's own tuned ranking SQL (the
// hunt_standings view over the base tables) for every GET of a leaderboard page.
// Env: PORT, DATABASE_URL, DB_POOL_MAX.
import express from 'express';
import { createPool } from '../src/core/db.ts';

const pool = createPool(process.env.DATABASE_URL!, Number(process.env.DB_POOL_MAX ?? 10), 'bench-live-query');
// Slugs resolve from memory, so each request costs exactly the ranking query.
const huntIds = new Map((await pool.query<{ slug: string; id: string }>('select slug, id from hunts')).rows.map((r) => [r.slug, r.id]));

const app = express();
app.set('etag', false);
app.get('/', (_req, res) => { res.send('ok'); });
app.get('/v1/hunts/:slug/leaderboard', async (req, res) => {
  const huntId = huntIds.get(req.params.slug);
  if (!huntId) {
    res.status(404).json({ error: 'not_found', message: 'hunt not found' });
    return;
  }
  const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 50) || 50));
  const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
  const { rows } = await pool.query<{ rank: number; playerId: string; handle: string; points: number; cluesFound: number; lastFindAt: Date; total: number }>(
    `select rank, competitor_id as "playerId", name as handle, points, clues_found as "cluesFound", last_find_at as "lastFindAt",
            count(*) over ()::int as total
       from hunt_standings where hunt_id = $1 order by position limit $2 offset $3`, [huntId, limit, offset]);
  res.json({
    hunt: req.params.slug,
    entries: rows.map(({ total: _total, ...entry }) => entry),
    total: rows[0]?.total ?? 0,
    version: 0,
    generatedAt: new Date().toISOString(),
  });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end();
});
