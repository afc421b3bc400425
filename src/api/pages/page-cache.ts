// Pages made once per version of what they are made from: a page is kept with the versions of the
// documents it was rendered from and made again only when one of them changes. A hot page costs a
// Map lookup and a few comparisons per request, like a snapshot read. Versions, not the documents
// themselves: a page nobody asks for again must not keep a replaced leaderboard alive.
import { renderedPage, type RenderedPage } from './page-response.ts';
import type { Html } from './html.ts';

/** What a page was made from: each source document's version (undefined: the document is absent). */
export type Sources = readonly (number | undefined)[];

interface Kept { sources: Sources; page: RenderedPage; bytes: number }

// 200 hunts' pages, parts and first leaderboard pages take about 15 MiB (30 KB of HTML and its
// gzip each); a crawler walking every leaderboard page of every hunt stops at this, the pages
// made longest ago going first.
const DEFAULT_BUDGET_BYTES = 32 * 2 ** 20;

export class PageCache {
  private readonly kept = new Map<string, Kept>();
  private readonly budget: number;
  private bytes = 0;

  constructor(budgetBytes = DEFAULT_BUDGET_BYTES) { this.budget = budgetBytes; }

  get(key: string, sources: Sources, render: () => Html): RenderedPage {
    const hit = this.kept.get(key);
    if (hit && sameSources(hit.sources, sources)) return hit.page;
    const page = renderedPage(render());
    if (hit) this.forget(key, hit);
    const kept = { sources, page, bytes: page.body.length + page.gzip.length };
    this.kept.set(key, kept);
    this.bytes += kept.bytes;
    for (const [oldest, entry] of this.kept) {
      if (this.bytes <= this.budget || oldest === key) break;
      this.forget(oldest, entry);
    }
    return page;
  }

  /** Bytes of the pages kept (body and gzip). */
  get size(): number { return this.bytes; }

  private forget(key: string, entry: Kept): void {
    this.kept.delete(key);
    this.bytes -= entry.bytes;
  }
}

function sameSources(a: Sources, b: Sources): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
