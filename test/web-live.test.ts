// Live hunt pages in chromium: another player's find reaches a second browser's leaderboard and
// feed, and an organiser's announcement its page, without a reload; the tabs of one browser share
// one event stream, handed over when the tab holding it closes; the leaderboard pages without a
// reload.
import { expect } from 'chai';
import type { Page, Request } from 'playwright-core';
import { browserSuite, expectAccessible, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';
import { countOf, expectNotReloaded, join, markWindow, submitAnswer, textOf } from './support/player-pages.ts';

describe('web: live hunt pages', function () {
  this.timeout(120_000);
  const suite = engineSuite('web_live');
  const browser = browserSuite();
  let clueIds: string[] = [];

  before(async () => {
    const hunt = await createHunt(suite.client, 'river-run', [
      { title: 'Mill', body: 'What turns in the water?', answers: ['wheel'] },
      { title: 'Ferry', body: 'What crosses?', answers: ['boat'] },
    ], { title: 'River run' });
    clueIds = hunt.clues.map((c) => c.id);
    await eventually(async () => (await suite.client.get('/v1/hunts/river-run')).status === 200 || undefined, 'published');
  });

  it('shows another browser\'s find on the leaderboard and in the feed, and an announcement, without a reload', async () => {
    await withPage(browser.browser, async (watcher) => {
      await watcher.goto(`${suite.engine.url}/hunts/river-run`);
      await markWindow(watcher);
      let found = 0;
      await withPage(browser.browser, async (player) => {
        await player.goto(`${suite.engine.url}/hunts/river-run`);
        await join(player, 'finn');
        found = Date.now();
        await submitAnswer(player, 'Mill', 'wheel', /^Correct/);
        await textOf(watcher.locator('#leaderboard tbody'), 'finn', 'finn on the watcher\'s leaderboard');
        console.log(`      the find reached the other browser's leaderboard ${Date.now() - found} ms after the answer was sent`);
      });
      await textOf(watcher.locator('#feed'), /finn was first to find Mill/, 'the find in the watcher\'s feed');
      await textOf(watcher.getByRole('region', { name: 'Mill', exact: true }), 'Found by 1 player', 'the clue\'s solve count');

      const posted = await suite.client.post('/v1/admin/hunts/river-run/announcements', { text: 'Regroup at the old mill at noon' }, { token: ADMIN_TOKEN });
      expect(posted.status, posted.text).to.equal(201);
      const announced = Date.now();
      const announcements = watcher.getByRole('region', { name: 'Announcements', exact: true });
      await textOf(announcements, 'Regroup at the old mill at noon', 'the announcement on the watcher\'s page');
      console.log(`      the announcement reached the page in ${Date.now() - announced} ms`);
      expect(await watcher.getByText('Regroup at the old mill at noon').count(), 'the announcement shown once').to.equal(1);
      await expectNotReloaded(watcher);
      await expectAccessible(watcher);
      await screenshots(watcher, 'hunt-live-watcher');
    });
  });

  it('shares one event stream between the tabs of a browser, taken over when its tab closes', async () => {
    const context = await browser.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const streams: Request[] = [];
      context.on('request', (request) => { if (request.url().endsWith('/v1/hunts/river-run/events')) streams.push(request); });
      const tabs: Page[] = [];
      for (let i = 0; i < 3; i++) {
        const tab = await context.newPage();
        await tab.goto(`${suite.engine.url}/hunts/river-run`);
        await markWindow(tab);
        tabs.push(tab);
      }
      await eventually(() => streams.length === 1 || undefined, 'one stream opened');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(streams, 'three tabs, one stream').to.have.length(1);

      // Every tab hears a find through the one stream.
      const sam = await registerPlayer(suite.client, 'sam');
      expect((await answer(suite.client, 'river-run', clueIds[1]!, sam.token, 'boat')).body.correct).to.equal(true);
      for (const tab of tabs) await textOf(tab.locator('#leaderboard tbody'), 'sam', 'sam on every tab');

      // The tab holding it closes: another opens the stream and the others still hear everything.
      const leader = streams[0]!.frame().page();
      await leader.close();
      await eventually(() => streams.length === 2 || undefined, 'the stream opened again by another tab');
      const rest = tabs.filter((tab) => tab !== leader);
      expect(rest).to.include(streams[1]!.frame().page());
      const tia = await registerPlayer(suite.client, 'tia');
      expect((await answer(suite.client, 'river-run', clueIds[0]!, tia.token, 'wheel')).body.correct).to.equal(true);
      for (const tab of rest) {
        await textOf(tab.locator('#leaderboard tbody'), 'tia', 'tia on the remaining tabs');
        await expectNotReloaded(tab);
      }
      expect(streams, 'still one stream for the tabs left').to.have.length(2);
    } finally {
      await context.close();
    }
  });

  it('opens a scheduled hunt on its page by itself at the start: the countdown, then its clues to answer', async () => {
    const startsAt = new Date(Date.now() + 5000).toISOString();
    await createHunt(suite.client, 'on-time', [{ title: 'First light', body: 'What rises?', answers: ['sun'] }], { title: 'On time', startsAt });
    await eventually(async () => (await suite.client.get('/v1/hunts/on-time')).status === 200 || undefined, 'published');
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/hunts/on-time`);
      await markWindow(page);
      await textOf(page.locator('#hunt-status .countdown'), /Starts .+ \(in \d s\)/, 'the countdown to the start');
      await join(page, 'early-bird');
      expect(await page.locator('#clues').textContent()).to.contain('The clues appear when the hunt starts.');
      await textOf(page.locator('#hunt-status .status'), 'Live', 'the hunt live at its start', 15_000);
      await submitAnswer(page, 'First light', 'Sun', /^Correct/);
      await expectNotReloaded(page);
    });
  });

  it('pages the leaderboard without a reload, keeping keyboard focus on the pager', async () => {
    const hunt = await createHunt(suite.client, 'crowded', [{ title: 'Gate', answers: ['open'] }], { title: 'Crowded' });
    const clueId = hunt.clues[0]!.id;
    for (let i = 0; i < 55; i++) {
      const player = await registerPlayer(suite.client, `crowd-${String(i).padStart(2, '0')}`);
      expect((await answer(suite.client, 'crowded', clueId, player.token, 'open')).status).to.equal(200);
    }
    await eventually(async () => await settled(suite.pool, suite.client) || undefined, 'the board published');
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/hunts/crowded`);
      await markWindow(page);
      const rows = page.locator('#leaderboard tbody tr');
      expect(await rows.count()).to.equal(50);
      expect(await page.locator('#leaderboard .pager').textContent()).to.contain('Page 1 of 2');
      await page.getByRole('link', { name: 'Next', exact: true }).focus();
      await page.keyboard.press('Enter');
      await countOf(rows, 5, 'the second page\'s five rows');
      expect(await rows.first().locator('td').first().textContent()).to.equal('51');
      expect(page.url()).to.match(/\?page=2#leaderboard$/);
      expect(await page.evaluate('document.activeElement.textContent')).to.equal('Previous');
      await expectNotReloaded(page);
      await expectAccessible(page);
      await page.keyboard.press('Enter');
      await countOf(rows, 50, 'back on the first page');
      // Without a script, the same links load the page with that leaderboard page.
      const direct = await (await fetch(`${suite.engine.url}/hunts/crowded?page=2`)).text();
      expect(direct.match(/<tr data-competitor=/g)).to.have.length(5);
    });
  });
});
