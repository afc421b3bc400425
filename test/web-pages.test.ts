// The web app's frame: pages rendered from documents held in memory, served with their own
// Content-Security-Policy, escaped, cached per version; checked over HTTP and in chromium.
import { expect } from 'chai';
import { browserSuite, expectAccessible, expectNoHorizontalScroll, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { eventually } from './support/engine.ts';
import { createHunt } from './support/fixtures.ts';

describe('web pages', function () {
  this.timeout(60_000);
  const suite = engineSuite('web_pages');
  const browser = browserSuite();

  before(async () => {
    await createHunt(suite.client, 'harbour-walk', [{ answers: ['anchor'] }], { title: 'Harbour <b>walk</b> & "friends"' });
    await eventually(async () => (await suite.client.get('/v1/hunts/harbour-walk')).status === 200 || undefined, 'the hunt published');
  });

  it('lists the hunts at / as links titled by the hunt, with the text escaped', async () => {
    const res = await fetch(`${suite.engine.url}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).to.contain("script-src 'self'").and.not.contain('unsafe-inline');
    const body = await res.text();
    expect(body).to.contain('Harbour &lt;b&gt;walk&lt;/b&gt; &amp; &quot;friends&quot;');
    expect(body).not.to.contain('<b>walk</b>');
    expect(body).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  });

  it('answers a repeated page request with 304 from its ETag, and gzip when asked', async () => {
    const first = await fetch(`${suite.engine.url}/`, { headers: { 'accept-encoding': 'identity' } });
    const etag = first.headers.get('etag')!;
    expect(etag).to.match(/^".+"$/);
    const again = await fetch(`${suite.engine.url}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).to.equal(304);
    const zipped = await fetch(`${suite.engine.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).to.equal('gzip');
    expect(await zipped.text()).to.equal(await first.text()); // fetch inflates it
  });

  it('serves assets under content-hashed names, cached for a year, 404 for others', async () => {
    const body = await (await fetch(`${suite.engine.url}/`)).text();
    const css = /href="(\/assets\/app\.[\w-]+\.css)"/.exec(body)![1]!;
    const res = await fetch(`${suite.engine.url}${css}`, { headers: { 'accept-encoding': 'br' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.contain('immutable');
    expect(res.headers.get('content-encoding')).to.equal('br');
    expect((await fetch(`${suite.engine.url}/assets/app.css`)).status).to.equal(404);
  });

  it('answers an unknown hunt page with a 404 page', async () => {
    const res = await fetch(`${suite.engine.url}/hunts/no-such-hunt`);
    expect(res.status).to.equal(404);
    expect(await res.text()).to.contain('Not found');
  });

  it('shows the hunts list in chromium, accessible and without horizontal scrolling on a phone', async () => {
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/`);
      const link = page.getByRole('link', { name: 'Harbour <b>walk</b> & "friends"' });
      expect(await link.count()).to.equal(1);
      await expectAccessible(page);
      await screenshots(page, 'hunts');
      await expectNoHorizontalScroll(page);
    });
  });
});
