// Writes documents into snapshot_documents: only those whose content changed get a new version,
// all of one publish in one transaction under one sequence number, then readers are notified.
import type { Client, Queryable } from '../core/db.ts';
import { many } from '../core/db.ts';
import { SNAPSHOT_CHANNEL, type PublishNotice } from '../core/channels.ts';
import {
  FORMAT_VERSION, contentHash, docKeys, serialize, type DocumentKind, type Stamp,
} from '../core/documents.ts';
import { buildHuntsIndex, publicStatus, type DocumentDraft, type HuntDocuments, type IndexRow } from './document-builder.ts';
import type { HuntRow } from './read-model-rows.ts';

// Serializes publishes so that commit order equals published_seq order: a reader that has seen
// seq N has seen every publish below N.
const PUBLISH_LOCK = 0x7468_6502;

/** A stored document's identity and content hash: what a publish compares its drafts with. */
export interface ExistingDoc { doc_key: string; kind: DocumentKind; version: number; content_hash: Buffer; alive: boolean }

export interface Write {
  key: string; kind: DocumentKind; huntId: string | null; version: number; hash: Buffer; body: string | null; generatedAt: Date;
}

export interface PublishResult {
  seq: number; changed: number; withdrawn: number;
  /** What the hunts index shows of this hunt changed: the index must be republished. */
  listingChanged: boolean;
  /** The version each written document got. */
  versions: Map<string, number>;
}

/** The content hash of a tombstone that replaces nothing: there is no content to hash. */
const EMPTY_HASH = Buffer.alloc(32);

class PublishBatch {
  readonly writes: Write[] = [];
  private readonly existing: Map<string, ExistingDoc>;
  private readonly now: Date;

  constructor(existing: ExistingDoc[], now: Date) {
    this.existing = new Map(existing.map((e) => [e.doc_key, e]));
    this.now = now;
  }

  /**
   * Queues the draft if its content changed (or `force`: a leaderboard head whose pages changed);
   * returns whether it was queued.
   */
  put(draft: DocumentDraft, huntId: string | null, force = false): boolean {
    const hash = contentHash(draft.content);
    const old = this.existing.get(draft.key);
    this.existing.delete(draft.key);
    if (!force && old?.alive && old.content_hash.equals(hash)) return false;
    const stamp: Stamp = { version: (old?.version ?? 0) + 1, generatedAt: this.now.toISOString() };
    const body = draft.bare ? JSON.stringify(draft.content) : serialize(draft.content, stamp);
    this.writes.push({ key: draft.key, kind: draft.kind, huntId, version: stamp.version, hash, body, generatedAt: this.now });
    return true;
  }

  /**
   * A tombstone for the key, unless it is one already: a withdrawn document answers 404, where a
   * document never published may still be answered from elsewhere (a player without finds).
   */
  withdraw(key: string, kind: DocumentKind, huntId: string | null): void {
    const old = this.existing.get(key);
    this.existing.delete(key);
    if (old && !old.alive) return;
    this.writes.push({ key, kind, huntId, version: (old?.version ?? 0) + 1, hash: old?.content_hash ?? EMPTY_HASH, body: null, generatedAt: this.now });
  }

  /** Every existing live document not put or kept becomes a tombstone. */
  withdrawRest(huntId: string | null): number {
    let count = 0;
    for (const old of this.existing.values()) {
      if (!old.alive) continue;
      this.writes.push({ key: old.doc_key, kind: old.kind, huntId, version: old.version + 1, hash: old.content_hash, body: null, generatedAt: this.now });
      count++;
    }
    return count;
  }
}

/** The stored versions and hashes of every document of a hunt, or of the given keys. */
async function existingDocs(tx: Queryable, of: { huntId: string } | { keys: string[] }): Promise<ExistingDoc[]> {
  const [where, param] = 'keys' in of ? ['doc_key = any($1)', of.keys] : ['hunt_id = $1', of.huntId];
  return many<ExistingDoc>(tx, `select doc_key, kind, version, content_hash, body is not null as alive
    from snapshot_documents where ${where} and format_version = $2`, [param, FORMAT_VERSION]);
}

/**
 * The upsert of writeColumns' arrays, at parameters $n..$n+6, under the sequence number `seq` (SQL).
 * `successorsOnly`: a stored document is replaced only by its next version (an optimistic check
 * for documents written without a lock of their own: the hunts index).
 */
function insertDocumentsSql(seq: string, format: string, n: number, successorsOnly = false): string {
  const [k, kind, hunt, v, h, b, g] = Array.from({ length: 7 }, (_, i) => `$${n + i}`);
  return `insert into snapshot_documents
       (doc_key, format_version, kind, hunt_id, version, content_hash, body, generated_at, published_seq)
     select k, ${format}, kind, hunt, v, h, b, g, ${seq}
       from unnest(${k}::text[], ${kind}::text[], ${hunt}::uuid[], ${v}::bigint[], ${h}::bytea[], ${b}::text[], ${g}::timestamptz[])
         as t(k, kind, hunt, v, h, b, g)
     on conflict (doc_key, format_version) do update set
       kind = excluded.kind, hunt_id = excluded.hunt_id, version = excluded.version,
       content_hash = excluded.content_hash, body = excluded.body,
       generated_at = excluded.generated_at, published_seq = excluded.published_seq${
     successorsOnly ? '\n     where snapshot_documents.version = excluded.version - 1' : ''}`;
}

function writeColumns(writes: Write[]): unknown[] {
  return [writes.map((w) => w.key), writes.map((w) => w.kind), writes.map((w) => w.huntId),
    writes.map((w) => w.version), writes.map((w) => w.hash), writes.map((w) => w.body), writes.map((w) => w.generatedAt)];
}

/** A hunt's publish, ready to write: everything that needs no sequence number done already. */
export interface PreparedPublish {
  writes: Write[];
  withdrawn: number;
  /** What the hunts index shows of this hunt changed. */
  listingChanged: boolean;
}

/**
 * The writes of one hunt's publish, against its stored documents: only drafts whose content
 * changed, each one version up. `scope: 'all'` (the full path) withdraws the stored documents not
 * drafted, or all of them when docs is null (a draft hunt); `'drafted'` (the incremental path)
 * touches only the drafted keys, so its cost follows the change, not the hunt.
 */
export function draftPublish(
  huntId: string, docs: HuntDocuments | null, existing: ExistingDoc[], scope: 'all' | 'drafted',
): { writes: Write[]; withdrawn: number } {
  const batch = new PublishBatch(existing, new Date());
  if (docs) {
    let pagesChanged = false;
    for (const page of docs.board.pages) pagesChanged = batch.put(page, huntId) || pagesChanged;
    batch.put(docs.board.head, huntId, pagesChanged);
    batch.put(docs.detail, huntId);
    batch.put(docs.feed, huntId);
    for (const progress of docs.progress) batch.put(progress, huntId);
    for (const key of docs.withdrawn ?? []) batch.withdraw(key, key.startsWith('team:') ? 'team' : 'progress', huntId);
  }
  const withdrawn = scope === 'all' ? batch.withdrawRest(huntId) : 0;
  return { writes: batch.writes, withdrawn };
}

/** The keys a publish of these drafts compares with (the incremental scope). */
export function draftedKeys(docs: HuntDocuments): string[] {
  return [docs.detail.key, docs.feed.key, docs.board.head.key, ...docs.board.pages.map((d) => d.key), ...docs.progress.map((d) => d.key)];
}

// What the hunts index shows of hunts (one row per element of the arrays $n..$n+8); only a real
// change rewrites a row (and the index). Returns the hunt ids whose listing changed.
function upsertListingsSql(n: number): string {
  const [id, slug, title, status, starts, ends, created, clues, players] = Array.from({ length: 9 }, (_, i) => `$${n + i}`);
  return `insert into hunt_publications
         (hunt_id, published_at, slug, title, status, starts_at, ends_at, created_at, clue_count, player_count)
       select id, clock_timestamp(), slug, title, status, starts_at, ends_at, created_at, clue_count, player_count
         from unnest(${id}::uuid[], ${slug}::text[], ${title}::text[], ${status}::text[], ${starts}::timestamptz[],
                     ${ends}::timestamptz[], ${created}::timestamptz[], ${clues}::integer[], ${players}::integer[])
           as t(id, slug, title, status, starts_at, ends_at, created_at, clue_count, player_count)
       on conflict (hunt_id) do update set published_at = excluded.published_at,
         slug = excluded.slug, title = excluded.title, status = excluded.status,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_at = excluded.created_at,
         clue_count = excluded.clue_count, player_count = excluded.player_count
       where (hunt_publications.slug, hunt_publications.title, hunt_publications.status, hunt_publications.starts_at,
              hunt_publications.ends_at, hunt_publications.created_at, hunt_publications.clue_count, hunt_publications.player_count)
             is distinct from
             (excluded.slug, excluded.title, excluded.status, excluded.starts_at,
              excluded.ends_at, excluded.created_at, excluded.clue_count, excluded.player_count)
       returning hunt_id`;
}

function listingColumns(listed: { hunt: HuntRow; docs: HuntDocuments }[]): unknown[] {
  const column = <T>(f: (x: { hunt: HuntRow; docs: HuntDocuments }) => T) => listed.map(f);
  return [column((x) => x.hunt.id), column((x) => x.hunt.slug), column((x) => x.hunt.title), column((x) => publicStatus(x.hunt)),
    column((x) => x.hunt.starts_at), column((x) => x.hunt.ends_at), column((x) => x.hunt.created_at),
    column((x) => x.docs.detail.content.clueCount), column((x) => x.docs.detail.content.playerCount)];
}

/**
 * Prepares one hunt's publish (draftPublish against the stored documents) and records what the
 * hunts index shows of it. Runs before writePublish: the hunt's rows can only change under its own
 * hunt lock, which the caller holds, so the publish lock is needed only for the writes.
 */
export async function prepareHuntPublish(
  tx: Client, hunt: HuntRow, docs: HuntDocuments | null, scope: 'all' | 'drafted',
): Promise<PreparedPublish> {
  const existing = await existingDocs(tx, scope === 'drafted' ? { keys: draftedKeys(docs!) } : { huntId: hunt.id });
  const { writes, withdrawn } = draftPublish(hunt.id, docs, existing, scope);
  const listingChanged = docs
    ? (await tx.query(upsertListingsSql(1), listingColumns([{ hunt, docs }]))).rowCount === 1
    : ((await tx.query('delete from hunt_publications where hunt_id = $1', [hunt.id])).rowCount ?? 0) > 0;
  return { writes, withdrawn, listingChanged };
}

/** One hunt's part of an incremental publish. */
export interface IncrementalPublish { hunt: HuntRow; docs: HuntDocuments; writes: Write[]; changeIds: string[] }

/**
 * Incremental publishes of several hunts as one statement, so one round trip, one transaction and
 * one commit for them all: consume the change rows, update the listings, then under the publish
 * lock take one sequence number and write the documents. Every step a busy machine must schedule
 * costs milliseconds, and the publish lock is held only as long as this statement's commit.
 * Readers are notified after it.
 */
export async function publishIncremental(
  db: Queryable, hunts: IncrementalPublish[], notice: Omit<PublishNotice, 'seq' | 'changed'>,
): Promise<PublishResult & { listingsChanged: Set<string> }> {
  const writes = hunts.flatMap((h) => h.writes);
  // Named: prepared once per connection, planned once.
  const { rows: [row] } = await db.query<{ seq: string | null; listings_changed: string[] }>({ name: 'publish-incremental', text:
    `with consumed as (delete from read_model_changes where id = any($1::bigint[])),
     listing as (${upsertListingsSql(2)}),
     publish as (select nextval('snapshot_publish_seq') as seq
                   from (select pg_advisory_xact_lock($11)) as locked where $12::int > 0),
     written as (${insertDocumentsSql('(select seq from publish)', '$13', 14)})
     select (select seq from publish) as seq, array(select hunt_id::text from listing) as listings_changed`,
    values: [hunts.flatMap((h) => h.changeIds), ...listingColumns(hunts), PUBLISH_LOCK, writes.length, FORMAT_VERSION, ...writeColumns(writes)] });
  // bigint arrives as text
  const seq = row!.seq === null ? null : Number(row!.seq);
  if (seq !== null) await notifyReaders(db, { ...notice, seq, changed: writes.length });
  const listingsChanged = new Set(row!.listings_changed);
  return {
    seq: seq ?? 0, changed: writes.length, withdrawn: 0, listingChanged: listingsChanged.size > 0, listingsChanged,
    versions: new Map(writes.map((w) => [w.key, w.version])),
  };
}

/**
 * Writes a prepared publish, and a prepared hunts index with it if given, as one statement that
 * takes the publish lock and a sequence number: the lock is held only for this statement and the
 * commit, never across a round trip to the worker. `indexWritten` is false when another publish
 * replaced the index since it was read (see writeHuntsIndex).
 */
export async function writePublish(
  tx: Client, prepared: PreparedPublish, index?: PreparedPublish,
): Promise<PublishResult & { indexWritten: boolean }> {
  const indexWrites = index?.writes ?? [];
  const result = (seq: number, indexWritten: boolean) => ({
    seq, changed: prepared.writes.length + (indexWritten ? indexWrites.length : 0), withdrawn: prepared.withdrawn,
    listingChanged: prepared.listingChanged, indexWritten, versions: new Map(prepared.writes.map((w) => [w.key, w.version])),
  });
  if (prepared.writes.length + indexWrites.length === 0) return result(0, false);
  const { rows: [row] } = await tx.query<{ seq: string; index_written: boolean }>(
    `with publish as (select nextval('snapshot_publish_seq') as seq from (select pg_advisory_xact_lock($1)) as locked),
     written as (${insertDocumentsSql('(select seq from publish)', '$2', 3)}),
     hunts_index as (${insertDocumentsSql('(select seq from publish)', '$2', 10, true)} returning 1)
     select (select seq from publish) as seq, exists(select from hunts_index) as index_written`,
    [PUBLISH_LOCK, FORMAT_VERSION, ...writeColumns(prepared.writes), ...writeColumns(indexWrites)]);
  return result(Number(row!.seq), row!.index_written);
}

/**
 * The hunts index from the published hunts (newest start first), ready to write with
 * writeHuntsIndex. Read without a lock: the write replaces only the version this read saw, so an
 * index built from an earlier read never overwrites a newer one.
 */
export async function prepareHuntsIndex(db: Queryable): Promise<PreparedPublish> {
  const rows = await many<IndexRow>(db,
    `select slug, title, status, starts_at, ends_at, clue_count, player_count
       from hunt_publications
      order by starts_at desc nulls last, created_at desc, slug`);
  const batch = new PublishBatch(await existingDocs(db, { keys: [docKeys.huntsIndex()] }), new Date());
  batch.put(buildHuntsIndex(rows), null);
  return { writes: batch.writes, withdrawn: 0, listingChanged: false };
}

/**
 * Writes a prepared hunts index as one statement of its own that takes the publish lock and a
 * sequence number: no round trip to a busy worker while the lock is held. False when another
 * publish replaced the index since it was read: it must be prepared again.
 */
export async function writeHuntsIndex(db: Queryable, prepared: PreparedPublish): Promise<{ seq: number; written: boolean }> {
  const { rows: [row] } = await db.query<{ seq: string; written: boolean }>(
    `with publish as (select nextval('snapshot_publish_seq') as seq from (select pg_advisory_xact_lock($9)) as locked),
     written as (${insertDocumentsSql('(select seq from publish)', '$1', 2, true)} returning 1)
     select (select seq from publish) as seq, exists(select from written) as written`,
    [FORMAT_VERSION, ...writeColumns(prepared.writes), PUBLISH_LOCK]);
  return { seq: Number(row!.seq), written: row!.written };
}

/**
 * Tells API processes to load a committed publish. Sent after the commit, in a transaction of its
 * own: a NOTIFY inside the publishing transaction would hold PostgreSQL's notify lock through the
 * commit's WAL flush, and every answer's NOTIFY (src/core/dirty.ts) would queue behind it. A notice
 * lost to a crash in between is made up by the API's poll.
 */
export async function notifyReaders(db: Queryable, notice: PublishNotice): Promise<void> {
  await db.query('select pg_notify($1, $2)', [SNAPSHOT_CHANNEL, JSON.stringify(notice)]);
}
