// Answers are compared as keyed hashes of their normalized form; the plain text is never stored.
import { createHash, createHmac } from 'node:crypto';

/** Bump when normalizeAnswer changes; stored beside each hash so old hashes stay interpretable. */
export const NORMALIZATION_VERSION = 1;

// Punctuation, symbols, separators (spaces), control and format characters (zero-width joiners).
const STRIP = /[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}]/gu;

/**
 * NFKC, then full case folding, then removal of punctuation, symbols and whitespace.
 * JavaScript has no casefold(); upper-then-lower gives the full folding for the cases that matter
 * here ("ß" -> "SS" -> "ss", final sigma -> "σ", ligatures are already split by NFKC).
 */
export function normalizeAnswer(raw: string): string {
  return raw.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(STRIP, '');
}

export interface AnswerHasher {
  keyId: string;
  /** Keyed hash of an already normalized answer. */
  hash(normalized: string): Buffer;
}

export function createAnswerHasher(key: string): AnswerHasher {
  if (key.length < 16) throw new Error('ANSWER_HASH_KEY must be at least 16 characters');
  // The key id names the key without revealing it, so a rotated key's hashes can be told apart.
  const keyId = createHash('sha256').update(`answer-key:${key}`).digest('hex').slice(0, 12);
  return {
    keyId,
    hash: (normalized) => createHmac('sha256', key).update(`v${NORMALIZATION_VERSION}:${normalized}`).digest(),
  };
}
