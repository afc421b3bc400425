// The page cache: a page is made once per versions of its documents, and the pages kept stay
// within a byte budget, those made longest ago forgotten first.
import { expect } from 'chai';
import { html } from '../src/api/pages/html.ts';
import { PageCache } from '../src/api/pages/page-cache.ts';

describe('page cache', () => {
  it('makes a page again only when a version it was made from changes', () => {
    const cache = new PageCache();
    let made = 0;
    const render = () => { made++; return html`<p>page ${made}</p>`; };
    const first = cache.get('/hunts/a', [3, 7], render);
    expect(cache.get('/hunts/a', [3, 7], render)).to.equal(first);
    expect(made).to.equal(1);
    const second = cache.get('/hunts/a', [3, 8], render);
    expect(second.body.toString()).to.equal('<p>page 2</p>');
    expect(cache.get('/hunts/a', [3, undefined], render).body.toString()).to.equal('<p>page 3</p>');
  });

  it('keeps its pages within the byte budget, forgetting the oldest made first', () => {
    const page = (n: number) => html`<p>${String(n).repeat(1000)}</p>`;
    const one = new PageCache().get('x', [], () => page(0));
    const budget = 3 * (one.body.length + one.gzip.length);
    const cache = new PageCache(budget);
    let made = 0;
    for (const key of ['a', 'b', 'c', 'd']) cache.get(key, [1], () => { made++; return page(made); });
    expect(cache.size).to.be.at.most(budget);
    cache.get('d', [1], () => { made++; return page(made); });
    cache.get('b', [1], () => { made++; return page(made); });
    expect(made, 'b and d still kept').to.equal(4);
    cache.get('a', [1], () => { made++; return page(made); });
    expect(made, 'a, the oldest, was forgotten').to.equal(5);
  });
});
