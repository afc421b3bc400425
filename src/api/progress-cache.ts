// Players' progress documents, held for the players who read theirs: a bounded LRU in front of
// snapshot_documents. With 200 hunts of 500 players they are 100,000 documents, most of what an
// API process would otherwise hold, while each is read only by its own player. A read that
// misses costs one primary-key lookup; a publish replaces a held document in place.
import type { Pool } from '../core/db.ts';
import { FORMAT_VERSION, type ProgressFind } from '../core/documents.ts';
import { servedDocument, type DocumentRow, type ServedDocument } from './served-document.ts';

/** A held progress document, or the knowledge that there is none at that version (never published, or withdrawn). */
export type HeldProgress = ServedDocument | { version: number; body: null };

export class ProgressCache {
  private readonly held = new Map<string, HeldProgress>();
  /** Reads waiting for the database, by key: concurrent misses of one document share one lookup. */
  private readonly fetching = new Map<string, Promise<HeldProgress>>();
  private readonly pool: Pool;
  private readonly max: number;

  constructor(pool: Pool, max: number) {
    this.pool = pool;
    this.max = max;
  }

  get size(): number { return this.held.size; }

  /** The held document (now the most recently used), or undefined when it must be fetched. */
  get(key: string): HeldProgress | undefined {
    const doc = this.held.get(key);
    if (doc !== undefined) {
      this.held.delete(key);
      this.held.set(key, doc);
    }
    return doc;
  }

  /** The held document, leaving the order alone. */
  peek(key: string): HeldProgress | undefined {
    return this.held.get(key);
  }

  /** The held documents (not the absences). */
  *documents(): IterableIterator<ServedDocument> {
    for (const doc of this.held.values()) if (doc.body !== null) yield doc as ServedDocument;
  }

  /**
   * A publish's version of a document: replaces a held one, and is held when a read is fetching
   * it (the fetch may have read the version before) or when `wanted` (its player just found
   * something, so will read it, through a database outage too). Others are not held.
   */
  published(row: DocumentRow, wanted = false): void {
    if (wanted || this.held.has(row.doc_key) || this.fetching.has(row.doc_key)) this.hold(row.doc_key, toHeld(row));
  }

  /** Reads the document from the database and holds it. */
  fetch(key: string): Promise<HeldProgress> {
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = this.load(key).finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    return pending;
  }

  private async load(key: string): Promise<HeldProgress> {
    const { rows: [row] } = await this.pool.query<DocumentRow>({ name: 'load-progress', text:
      `select doc_key, kind, version, body, generated_at, published_seq
         from snapshot_documents where doc_key = $1 and format_version = $2`,
      values: [key, FORMAT_VERSION] });
    // A publish installed while we read wins if it is newer (hold keeps the higher version).
    return this.hold(key, row ? toHeld(row) : { version: 0, body: null });
  }

  private hold(key: string, doc: HeldProgress): HeldProgress {
    const current = this.held.get(key);
    if (current && current.version > doc.version) return current;
    this.held.delete(key);
    this.held.set(key, doc);
    if (this.held.size > this.max) this.held.delete(this.held.keys().next().value!);
    return doc;
  }
}

/** The clue ids of a progress document's finds, from its JSON. */
export function findsOf(json: string): Set<string> {
  return new Set((JSON.parse(json) as { finds: ProgressFind[] }).finds.map((f) => f.clueId));
}

function toHeld(row: DocumentRow): HeldProgress {
  return row.body === null ? { version: row.version, body: null } : servedDocument(row as DocumentRow & { body: string });
}
