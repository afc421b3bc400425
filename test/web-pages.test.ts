// The web app's pages over HTTP (no browser for most): rendered from documents held in memory,
// served with their own Content-Security-Policy, every user text escaped, cached per version;
// a hunt page's parts served alone for the script's live updates; the assets' size budget.
import { expect } from 'chai';
import { Assets } from '../src/api/pages/assets.ts';
import { browserSuite, expectAccessible, expectNoHorizontalScroll, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';

const HOSTILE = `<img src=x onerror="window.pwned=1">'"&</script><script>window.pwned=1</script>`;
const ESCAPED = '&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;&#39;&quot;&amp;&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;';

describe('web pages', function () {
  this.timeout(60_000);
  const suite = engineSuite('web_pages');
  const browser = browserSuite();
  let clueIds: string[] = [];
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${suite.engine.url}${path}`, { headers });

  before(async () => {
    await createHunt(suite.client, 'harbour-walk', [{ answers: ['anchor'] }], { title: 'Harbour <b>walk</b> & "friends"' });
    const hostile = await createHunt(suite.client, 'hostile-walk', [
      { title: HOSTILE, body: HOSTILE, answers: ['one'] },
      { title: 'Behind the first', body: 'Secret until unlocked', answers: ['two'], unlock: { afterClues: [1] } },
    ], { title: HOSTILE, description: HOSTILE, mode: 'team', endsAt: new Date(Date.now() + 86_400_000).toISOString() });
    clueIds = hostile.clues.map((c) => c.id);
    const alice = await registerPlayer(suite.client, 'alice');
    const team = await suite.client.post('/v1/hunts/hostile-walk/teams', { name: HOSTILE.slice(0, 40) }, { token: alice.token });
    expect(team.status, team.text).to.equal(201);
    expect((await answer(suite.client, 'hostile-walk', clueIds[0]!, alice.token, 'one')).body.correct).to.equal(true);
    const posted = await suite.client.post('/v1/admin/hunts/hostile-walk/announcements', { text: HOSTILE }, { token: ADMIN_TOKEN });
    expect(posted.status, posted.text).to.equal(201);
    await eventually(async () => await settled(suite.pool, suite.client) || undefined, 'published');
  });

  it('lists the hunts at / as links titled by the hunt, with the text escaped', async () => {
    const res = await get('/');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).to.contain("script-src 'self'").and.not.contain('unsafe-inline');
    const body = await res.text();
    expect(body).to.contain('Harbour &lt;b&gt;walk&lt;/b&gt; &amp; &quot;friends&quot;');
    expect(body).not.to.contain('<b>walk</b>');
    expect(body).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(body).not.to.match(/\sstyle=/); // no inline style
  });

  it('answers a repeated page request with 304 from its ETag, and gzip when asked', async () => {
    const first = await get('/', { 'accept-encoding': 'identity' });
    const etag = first.headers.get('etag')!;
    expect(etag).to.match(/^".+"$/);
    const again = await get('/', { 'if-none-match': etag });
    expect(again.status).to.equal(304);
    const zipped = await get('/', { 'accept-encoding': 'gzip' });
    expect(zipped.headers.get('content-encoding')).to.equal('gzip');
    expect(await zipped.text()).to.equal(await first.text()); // fetch inflates it
  });

  it('serves assets under content-hashed names, modules importing each other by hashed names, 404 for others', async () => {
    const body = await (await get('/')).text();
    const css = /href="(\/assets\/app\.[\w-]+\.css)"/.exec(body)![1]!;
    const res = await get(css, { 'accept-encoding': 'br' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.contain('immutable');
    expect(res.headers.get('content-encoding')).to.equal('br');
    expect((await get('/assets/app.css')).status).to.equal(404);
    // A hunt page's player.js imports its siblings: each by its hashed URL, preloaded by the page.
    const page = await (await get('/hunts/harbour-walk')).text();
    const script = /<script type="module" src="(\/assets\/player\.[\w-]+\.js)"/.exec(page)![1]!;
    const source = await (await get(script)).text();
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    expect(imports).to.have.length.above(2);
    for (const url of imports) {
      expect(url).to.match(/^\/assets\/[\w-]+\.[\w-]{12}\.js$/);
      expect(page).to.contain(`<link rel="modulepreload" href="${url}">`);
      expect((await get(url)).status, url).to.equal(200);
    }
  });

  it('keeps the scripts and styles under 60 KB compressed', () => {
    const { gzip, br } = new Assets().compressedBytes;
    console.log(`      assets compressed: gzip ${gzip} B, brotli ${br} B`);
    expect(gzip).to.be.below(60 * 1024);
    expect(br).to.be.below(60 * 1024);
  });

  it('renders a hunt page from its documents with every text escaped: clues, leaderboard, feed, announcements', async () => {
    const res = await get('/hunts/hostile-walk');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-security-policy')).to.contain("default-src 'none'");
    const body = await res.text();
    expect(body).not.to.contain('<img');
    expect(body).not.to.contain('window.pwned=1</script>');
    expect(body).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(body).not.to.match(/\sstyle=/);
    // Title, description, clue title and body, announcement, feed entry, team name on the board.
    expect(body.split(ESCAPED).length - 1).to.be.at.least(6);
    expect(body).to.contain(ESCAPED.slice(0, ESCAPED.indexOf('&lt;/script')));
    // The clues before any script: a region per clue named by its title; a locked one's text withheld.
    expect(body).to.contain(`<section aria-labelledby="clue-${clueIds[0]}-title">`);
    expect(body).to.contain('<h3 id="clue-' + clueIds[1] + '-title" tabindex="-1">Clue 2</h3>');
    expect(body).not.to.contain('Secret until unlocked');
    // The leaderboard: a table named by its heading "Leaderboard", the team on it.
    expect(body).to.match(/<h2 id="leaderboard-title">Leaderboard<\/h2>/);
    expect(body).to.contain('<table class="board" aria-labelledby="leaderboard-title">');
    expect(body).to.match(/<tr data-competitor="[0-9a-f-]{36}"><td>1<\/td>/);
    // A countdown to the end, as an instant the script ticks.
    expect(body).to.match(/data-countdown><span class="countdown-label">Ends<\/span> <time datetime="[^"]+">/);
  });

  it('serves a hunt page\'s parts alone (detail, leaderboard pages, feed), each with its ETag and 304', async () => {
    for (const [path, marker] of [
      ['/hunts/hostile-walk/detail', '<div id="hunt-status"'],
      ['/hunts/hostile-walk/leaderboard?page=1', '<section id="leaderboard"'],
      ['/hunts/hostile-walk/feed', '<section id="feed"'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      const body = await res.text();
      expect(body.startsWith(marker), path).to.equal(true);
      expect(body).not.to.contain('<html');
      expect(body).not.to.contain('<img');
      const etag = res.headers.get('etag')!;
      expect((await get(path, { 'if-none-match': etag })).status, path).to.equal(304);
    }
    // Pages out of range or malformed are the nearest page, not a new cache entry each.
    for (const page of ['0', '99', 'x', '-3', '1e9']) {
      const body = await (await get(`/hunts/hostile-walk/leaderboard?page=${page}`)).text();
      expect(body, page).to.contain('data-page="1"');
    }
  });

  it('makes a page again only when a document it shows changes', async () => {
    const before = await get('/hunts/harbour-walk');
    const etag = before.headers.get('etag')!;
    expect((await get('/hunts/harbour-walk', { 'if-none-match': etag })).status).to.equal(304);
    await suite.client.post('/v1/admin/hunts/harbour-walk/announcements', { text: 'Meet at the pier' }, { token: ADMIN_TOKEN });
    const after = await eventually(async () => {
      const res = await get('/hunts/harbour-walk', { 'if-none-match': etag });
      return res.status === 200 ? res : undefined;
    }, 'the page made again with the announcement');
    expect(await after.text()).to.contain('Meet at the pier');
  });

  it('answers an unknown hunt page, and its parts, with a 404 page', async () => {
    for (const path of ['/hunts/no-such-hunt', '/hunts/no-such-hunt/detail', '/hunts/no-such-hunt/leaderboard', '/hunts/no-such-hunt/feed']) {
      const res = await get(path);
      expect(res.status, path).to.equal(404);
      expect(await res.text()).to.contain('Not found');
    }
  });

  it('refuses hostile handles at registration: handles are letters, digits, _ and -', async () => {
    for (const handle of [HOSTILE, '</script>', `a"b'c`, '<img src=x onerror=alert(1)>']) {
      const res = await suite.client.post('/v1/players', { handle });
      expect(res.status, handle).to.equal(400);
    }
  });

  it('shows the hunts list in chromium, accessible and without horizontal scrolling on a phone', async () => {
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/`);
      const link = page.getByRole('link', { name: 'Harbour <b>walk</b> & "friends"' });
      expect(await link.count()).to.equal(1);
      await expectAccessible(page);
      await screenshots(page, 'hunts');
      await page.setViewportSize({ width: 360, height: 800 });
      await expectNoHorizontalScroll(page);
    });
  });
});
