// LISTEN/NOTIFY channels between writers, the worker and the API processes.

/** A writer committed a change to a hunt (payload: hunt id). The worker enqueues its refresh. */
export const DIRTY_CHANNEL = 'the_hunt_dirty';

/** The worker published documents (payload: PublishNotice as JSON). API processes reload. */
export const SNAPSHOT_CHANNEL = 'the_snapshots';

export interface PublishNotice {
  /** snapshot_publish_seq of the publish; readers fetch every row above what they have. */
  seq: number;
  /** The hunt republished, or null for the hunts index alone. */
  hunt: string | null;
  /** Documents written (changed or withdrawn) by this publish. */
  changed: number;
  /** How long the refresh that produced this publish took, in milliseconds. */
  refreshMs: number;
  /**
   * When the oldest change this publish includes was made (epoch ms; dirty_hunts.dirty_since as
   * the refresh read it), or null when it was not driven by a dirty mark. Readers measure
   * staleness from it.
   */
  oldestChangeAt: number | null;
}
