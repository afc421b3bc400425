// The organiser's read routes (admin only): the stats document, the big board and the standings as
// CSV. Nothing here aggregates base tables per request: the stats document is stored by the
// stats-refresh job, the big board's cells come from its materialized view, and the CSV streams
// the one ranking definition, live even while the hunt is frozen (sql/functions/standings_until.sql),
// through a cursor.
import type { Response } from 'express';
import { emptyStats, type BigboardDocument } from '../core/analytics-documents.ts';
import type { Pool } from '../core/db.ts';
import { many, maybeOne } from '../core/db.ts';
import type { Logger } from '../core/logger.ts';
import { notFound } from './api-error.ts';

/** GET /v1/admin/hunts/:slug/stats: the stored document's bytes (or the not-yet-generated one). */
export async function statsDocument(pool: Pool, slug: string): Promise<string> {
  const row = await maybeOne<{ body: string | null }>(pool,
    'select d.body from hunts h left join hunt_stats_documents d on d.hunt_id = h.id where h.slug = $1', [slug]);
  if (!row) throw notFound('hunt');
  return row.body ?? JSON.stringify(emptyStats(slug));
}

/**
 * GET /v1/admin/hunts/:slug/bigboard: every competitor (hidden ones too, flagged) against every
 * clue, from hunt_bigboard_cells as of the last stats refresh (generatedAt, that of the stats
 * document). Clues and competitors (names, hidden) are read as they are now: one created since the
 * refresh shows with empty cells.
 */
export async function bigboard(pool: Pool, slug: string): Promise<BigboardDocument> {
  const client = await pool.connect();
  try {
    // One snapshot: the cells and the generatedAt they were committed with.
    await client.query('begin isolation level repeatable read, read only');
    const hunt = await maybeOne<{ id: string; generated_at: Date | null; populated: boolean | null }>(client,
      `select h.id, d.generated_at,
              (select ispopulated from pg_matviews where schemaname = current_schema() and matviewname = 'hunt_bigboard_cells') as populated
         from hunts h left join hunt_stats_documents d on d.hunt_id = h.id where h.slug = $1`, [slug]);
    if (!hunt) throw notFound('hunt');
    // Not yet refreshed, or the view was re-created since (a deploy that changed a view): the next
    // stats refresh fills it.
    if (!hunt.generated_at || !hunt.populated) {
      // Ended here, not left open: the connection goes back to the pool.
      await client.query('commit');
      return { hunt: slug, generatedAt: null, clues: [], competitors: [] };
    }
    const clues = await many<{ id: string; position: number; title: string }>(client,
      'select id, position, title from clues where hunt_id = $1 order by position', [hunt.id]);
    const competitors = await many<{ competitor_id: string; name: string; hidden: boolean }>(client,
      'select competitor_id, name, hidden from competitors where hunt_id = $1 order by name collate "C", competitor_id', [hunt.id]);
    const cells = await many<{ competitor_id: string; clue_id: string; found_at: Date | null; hints_taken: number; wrong_guesses: number }>(client,
      'select competitor_id, clue_id, found_at, hints_taken, wrong_guesses from hunt_bigboard_cells where hunt_id = $1', [hunt.id]);
    await client.query('commit');
    const byCell = new Map(cells.map((c) => [`${c.competitor_id}/${c.clue_id}`, c]));
    return {
      hunt: slug,
      generatedAt: hunt.generated_at.toISOString(),
      clues: clues.map((c) => ({ clueId: c.id, position: c.position, title: c.title })),
      competitors: competitors.map((competitor) => {
        const row = clues.map((clue) => {
          const cell = byCell.get(`${competitor.competitor_id}/${clue.id}`);
          return { clueId: clue.id, foundAt: cell?.found_at?.toISOString() ?? null, hintsTaken: cell?.hints_taken ?? 0, wrongGuesses: cell?.wrong_guesses ?? 0 };
        });
        return {
          competitorId: competitor.competitor_id, name: competitor.name, hidden: competitor.hidden,
          cluesFound: row.filter((c) => c.foundAt !== null).length, cells: row,
        };
      }),
    };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export const CSV_HEADER = 'rank,competitorId,name,points,cluesFound,lastFindAt\r\n';
/** Rows per FETCH: one round trip per this many rows, and at most this many in memory. */
const CSV_BATCH = 1000;
/** A client that stops reading holds a connection and a transaction; after this long idle, PostgreSQL ends them. */
const CSV_IDLE_TIMEOUT_MS = 60_000;

/** One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A field a person wrote (a name). A spreadsheet opening the file runs a cell that starts with
 * = + - @ as a formula (and some strip a leading tab or carriage return first): such a value gets
 * a leading apostrophe, which spreadsheets show as text (OWASP's advice for CSV injection).
 */
export function csvText(value: string): string {
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

interface StandingRow { rank: number; competitor_id: string; name: string; points: number; clues_found: number; last_find_at: Date }

/**
 * GET /v1/admin/hunts/:slug/standings.csv: the live standings (the public leaderboard's ranking and
 * competitors, without a freeze), streamed from a cursor in batches, at the pace the client reads.
 */
export async function streamStandingsCsv(pool: Pool, slug: string, res: Response, log: Logger): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin isolation level repeatable read, read only');
    await client.query(`select set_config('idle_in_transaction_session_timeout', $1, true)`, [String(CSV_IDLE_TIMEOUT_MS)]);
    const hunt = await maybeOne<{ id: string }>(client, 'select id from hunts where slug = $1', [slug]);
    if (!hunt) throw notFound('hunt');
    await client.query(
      `declare standings no scroll cursor for
         select rank, competitor_id, name, points, clues_found, last_find_at
           from standings_until($1, 'infinity') order by position`, [hunt.id]);
    const fetchBatch = async () => (await client.query<StandingRow>(`fetch ${CSV_BATCH} from standings`)).rows;
    // The first batch before the head: a database error is still a proper JSON error response.
    let rows = await fetchBatch();
    res.status(200).set({
      'content-type': 'text/csv; charset=utf-8',
      'cache-control': 'private, no-store',
      'content-disposition': `attachment; filename="${slug}-standings.csv"`,
    });
    res.write(CSV_HEADER);
    for (;;) {
      const chunk = rows.map((r) =>
        `${r.rank},${r.competitor_id},${csvText(r.name)},${r.points},${r.clues_found},${r.last_find_at.toISOString()}\r\n`).join('');
      if (chunk && !res.write(chunk)) await drained(res);
      if (rows.length < CSV_BATCH) break;
      rows = await fetchBatch();
    }
    await client.query('commit');
    res.end();
  } catch (err) {
    // A connection that cannot roll back (ended by the idle timeout, say) is not given back to the pool.
    await client.query('rollback').catch((e: Error) => { broken = e; });
    if (!res.headersSent) throw err;
    // Mid-stream: the status is sent, so the only way to say "incomplete" is to cut the response.
    if (!(err instanceof ClientGone)) log.warn('standings CSV cut short', { err });
    res.destroy();
  } finally {
    client.release(broken);
  }
}

class ClientGone extends Error {}

/** Resolves when the response can take more, rejects when the client went away first. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err); else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ClientGone('the client closed the connection'));
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
