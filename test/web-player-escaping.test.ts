// Hostile text on the player's pages, in chromium: hunt, clue and announcement texts written by an
// organiser, team names chosen by players (handles cannot hold markup: the API refuses them) are
// shown as text wherever they appear, in the page the server made and after the script's live
// updates, and nothing in them ever runs (no dialog, no error, no window.pwned).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, expectAccessible, expectNoHorizontalScroll, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { clue, join, markWindow, expectNotReloaded, submitAnswer, textOf, watchForScript } from './support/player-pages.ts';

// Each at most 40 characters: team names' limit.
const TEAM_BEFORE = '<img src=x onerror=window.pwned=1>';
const TEAM_AFTER = '</script><script>window.pwned=1</script>';
const TEAM_IN_PAGE = `"'><svg onload=window.pwned=1>`;
const TITLE = '<b onmouseover="window.pwned=1">Bold</b> & "quoted"';
const CLUE_TITLE = '<img src=x onerror=window.pwned=1> clue';
const CLUE_BODY = '</script><script>window.pwned=1</script>\n<a href="javascript:window.pwned=1">link</a>';
const ANNOUNCEMENT = `<iframe src="javascript:window.pwned=1"></iframe> '&amp;' "quotes"`;

describe('web: hostile text on the player\'s pages', function () {
  this.timeout(120_000);
  const suite = engineSuite('web_escaping');
  const browser = browserSuite();
  let clueId = '';

  before(async () => {
    const hunt = await createHunt(suite.client, 'hostile', [{ title: CLUE_TITLE, body: CLUE_BODY, answers: ['safe'] }],
      { title: TITLE, description: CLUE_BODY, mode: 'team' });
    clueId = hunt.clues[0]!.id;
    await teamWithFind('early', TEAM_BEFORE);
    await eventually(async () => (await suite.client.get('/v1/hunts/hostile/leaderboard')).body?.total === 1 || undefined, 'the first team ranked');
  });

  async function teamWithFind(handle: string, name: string): Promise<void> {
    const player = await registerPlayer(suite.client, handle);
    const team = await suite.client.post('/v1/hunts/hostile/teams', { name }, { token: player.token });
    expect(team.status, team.text).to.equal(201);
    expect((await answer(suite.client, 'hostile', clueId, player.token, 'safe')).body.correct).to.equal(true);
  }

  /** The text is on the page as text (once at least), and no element was made of it. */
  async function expectText(page: Page, text: string, where: string): Promise<void> {
    await eventually(async () => (await page.locator('main').textContent())?.includes(text) || undefined, `"${text}" shown as text in ${where}`);
  }

  async function expectNoMarkupFromText(page: Page): Promise<void> {
    expect(await page.locator('main img, main svg, main iframe, main script, main b, main a[href^="javascript"]').count(), 'elements made of user text').to.equal(0);
  }

  it('shows every hostile text as text, in the server\'s page and after live updates, and runs none of it', async () => {
    await withPage(browser.browser, async (page) => {
      const script = watchForScript(page);
      await page.goto(`${suite.engine.url}/hunts/hostile`);
      await markWindow(page);
      // The server's page.
      expect(await page.title()).to.equal(`${TITLE} · Treasure Hunt`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal(TITLE);
      await expectText(page, CLUE_BODY.split('\n')[0]!, 'the clue body');
      expect(await clue(page, CLUE_TITLE).count()).to.equal(1);
      await textOf(page.locator('#leaderboard tbody th'), TEAM_BEFORE, 'the first team on the leaderboard');
      await expectText(page, `${TEAM_BEFORE} was first to find ${CLUE_TITLE}`, 'the feed');

      // Live updates: a team and an announcement arriving while the page is open.
      await teamWithFind('late', TEAM_AFTER);
      const posted = await suite.client.post('/v1/admin/hunts/hostile/announcements', { text: ANNOUNCEMENT }, { token: ADMIN_TOKEN });
      expect(posted.status, posted.text).to.equal(201);
      await textOf(page.locator('#leaderboard tbody'), TEAM_AFTER, 'the second team on the leaderboard, live');
      await textOf(page.getByRole('region', { name: 'Announcements', exact: true }), ANNOUNCEMENT, 'the announcement, live');
      await expectText(page, `${TEAM_AFTER} found ${CLUE_TITLE}`, 'the feed, live');

      // Refused handles are told as such; nothing of them shown.
      for (const handle of ['<img src=x onerror=window.pwned=1>', '</script>', `"quoted'`]) {
        await page.getByLabel('Handle', { exact: true }).fill(handle);
        await page.getByRole('button', { name: 'Join', exact: true }).click();
        await textOf(page.locator('#join-message'), 'A handle is 3 to 32 letters', `handle ${handle} refused`);
      }

      // A player's own parts, built by the script: the team panel and the clue in their view.
      await join(page, 'mallory');
      await page.getByLabel('Team name', { exact: true }).fill(TEAM_IN_PAGE);
      await page.getByRole('button', { name: 'Create team', exact: true }).click();
      await textOf(page.locator('#team-name-text'), TEAM_IN_PAGE, 'the team name in the panel');
      await textOf(page.locator('#team-message'), `You are in team ${TEAM_IN_PAGE}.`, 'the team name in the message');
      await submitAnswer(page, CLUE_TITLE, 'safe', /^Correct/);
      await textOf(page.locator('#leaderboard tbody'), TEAM_IN_PAGE, 'the player\'s team on the leaderboard, live');
      await textOf(page.locator('#leaderboard tr[aria-current="true"]'), TEAM_IN_PAGE, 'the player\'s team row marked');

      await expectNoMarkupFromText(page);
      await expectNotReloaded(page);
      await page.mouse.move(200, 150); // over the title: an onmouseover, were it markup, would fire
      await script.check();
      await expectAccessible(page);
      await screenshots(page, 'hunt-hostile');
      await page.setViewportSize({ width: 360, height: 800 });
      await expectNoHorizontalScroll(page);
    });
  });
});
