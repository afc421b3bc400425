// Words the pages share: a hunt's status as people read it, and counted nouns.
import type { PublicHuntStatus } from '../../core/documents.ts';

export const STATUS_TEXT: Record<PublicHuntStatus, string> = {
  draft: 'Draft', scheduled: 'Scheduled', live: 'Live', ended: 'Ended',
};

/** "1 clue", "3 clues" (nouns with a plain plural only). */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}
