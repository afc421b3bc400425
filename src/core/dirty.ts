// Recording that a hunt's documents are behind its base tables, in the writer's own transaction:
// the change and the duty to republish it commit together, so a worker crash between them can
// lose nothing. The NOTIFY that follows only makes it fast.
import { DIRTY_CHANNEL, type ChangeNotice } from './channels.ts';
import type { Queryable } from './db.ts';

/** Anything but a player's own change (admin edits): the hunt is rebuilt from scratch. */
export async function markHuntDirty(tx: Queryable, huntId: string): Promise<void> {
  await tx.query(
    `insert into dirty_hunts (hunt_id) values ($1)
     on conflict (hunt_id) do update set generation = nextval('dirty_generation_seq')`,
    [huntId],
  );
  // Delivered at commit, and only if the transaction commits (admin edits are rare: the lock
  // NOTIFY holds through commit costs nothing here).
  await tx.query('select pg_notify($1, $2)', [DIRTY_CHANNEL, JSON.stringify({ huntId } satisfies ChangeNotice)]);
}

/**
 * A player's change (a new find, or joining with a first wrong answer): one row for the
 * incremental refresh, never an update of a row other writers share. Call it as the
 * transaction's last statement: its time is where staleness is measured from.
 */
export async function recordPlayerChange(tx: Queryable, huntId: string, playerId: string, clueId: string | null): Promise<void> {
  await tx.query('insert into read_model_changes (hunt_id, player_id, clue_id) values ($1, $2, $3)', [huntId, playerId, clueId]);
}

/**
 * Announces committed player changes. Sent after the commit, outside the writer's transaction: a
 * NOTIFY inside it would hold PostgreSQL's global notify lock through the commit's WAL flush and
 * serialize every answer. If this is lost, the worker's sweep still finds the change rows.
 */
export async function announceChange(db: Queryable, notice: ChangeNotice): Promise<void> {
  await db.query('select pg_notify($1, $2)', [DIRTY_CHANNEL, JSON.stringify(notice)]);
}
