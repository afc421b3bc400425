// A published document as the API holds and sends it, made from its snapshot_documents row.
import { etagFor, type DocumentKind } from '../core/documents.ts';

export interface ServedDocument {
  key: string;
  kind: DocumentKind;
  version: number;
  etag: string;
  body: Buffer;
  generatedAtMs: number;
}

/** A snapshot_documents row as the API reads it (body null: the document was withdrawn). */
export interface DocumentRow {
  doc_key: string; kind: DocumentKind; version: number; body: string | null; generated_at: Date; published_seq: number;
}

/** The row's document, ready to send (the row must have a body). */
export function servedDocument(row: DocumentRow & { body: string }): ServedDocument {
  return {
    key: row.doc_key,
    kind: row.kind,
    version: row.version,
    etag: etagFor(row.doc_key, row.version),
    body: ownedBuffer(row.body),
    generatedAtMs: row.generated_at.getTime(),
  };
}

/**
 * Bytes that live as long as their document: in an allocation of their own. Buffer.from would cut
 * small ones from Node's shared 8 KB pool, and one surviving document would keep a whole slab of
 * replaced ones alive.
 */
export function ownedBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buffer.write(text, 'utf8');
  return buffer;
}
