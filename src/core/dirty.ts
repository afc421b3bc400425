// Recording that a hunt's documents are behind its base tables, in the writer's own transaction:
// the change and the duty to republish it commit together, so a worker crash between them can
// lose nothing (a player's own change is a read_model_changes row, written by
// sql/functions/submit_answers.sql). The NOTIFY that follows only makes it fast.
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
 * Announces committed player changes, one notification each, in one statement. Sent after the
 * commit, outside the writer's transaction: a NOTIFY inside it would hold PostgreSQL's global
 * notify lock through the commit's WAL flush and serialize every writer. If this is lost, the
 * worker's sweep still finds the change rows.
 */
export async function announceChanges(db: Queryable, notices: ChangeNotice[]): Promise<void> {
  await db.query({
    name: 'announce-changes',
    text: 'select pg_notify($1, notice) from unnest($2::text[]) as notice',
    values: [DIRTY_CHANNEL, notices.map((n) => JSON.stringify(n))],
  });
}
