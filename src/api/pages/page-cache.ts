// Pages made once per version of what they are made from: a page is kept with the documents it
// was rendered from and made again only when one of them is replaced (compared by identity: the
// store replaces a document's object when a new version is installed). A hot page costs a Map
// lookup and a few comparisons per request, like a snapshot read.
import { renderedPage, type RenderedPage } from './page-response.ts';
import type { Html } from './html.ts';

interface Kept { sources: readonly unknown[]; page: RenderedPage }

export class PageCache {
  private readonly kept = new Map<string, Kept>();
  private readonly max: number;

  constructor(max = 2_000) { this.max = max; }

  get(key: string, sources: readonly unknown[], render: () => Html): RenderedPage {
    const hit = this.kept.get(key);
    if (hit && sameSources(hit.sources, sources)) return hit.page;
    const page = renderedPage(render());
    if (hit) this.kept.delete(key);
    else if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value!); // the oldest made
    this.kept.set(key, { sources, page });
    return page;
  }
}

function sameSources(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
