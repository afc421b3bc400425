// Marking a hunt dirty, in the writer's own transaction: the change and the duty to republish it
// commit together, so a worker crash between them can lose nothing.
import { DIRTY_CHANNEL } from './channels.ts';
import type { Queryable } from './db.ts';

export async function markHuntDirty(tx: Queryable, huntId: string): Promise<void> {
  await tx.query(
    `insert into dirty_hunts (hunt_id) values ($1)
     on conflict (hunt_id) do update set generation = nextval('dirty_generation_seq')`,
    [huntId],
  );
  // Delivered at commit, and only if the transaction commits.
  await tx.query('select pg_notify($1, $2)', [DIRTY_CHANNEL, huntId]);
}
