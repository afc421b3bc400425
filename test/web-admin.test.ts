// The organiser console at /admin, in chromium against a real engine: signing in (and a wrong
// token refused), the create form's checks (the API's rules and messages, before any request;
// the server's own errors next to their field), and an organiser's whole run of a hunt: created
// in the console, scheduled a few seconds ahead and seen opening by itself on a player's page,
// announcements, freeze, competitors, refreshes and their jobs, stats, the big board, the CSV.
// axe on every state, screenshots of each view at both sizes, no sideways scrolling at 360 px.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, expectAccessible, expectNoHorizontalScroll, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';

const SLUG = 'harbour-night';
const TITLE = 'Harbour <night> & "friends"';

/** axe, then (with a name) screenshots at both sizes, then no sideways scrolling at 360 px. */
async function check(page: Page, name?: string): Promise<void> {
  await expectAccessible(page);
  if (name) await screenshots(page, `console-${name}`);
  await page.setViewportSize({ width: 360, height: 800 });
  await expectNoHorizontalScroll(page);
  await page.setViewportSize({ width: 390, height: 844 });
}

/** The console's live region (role=status), once it says `text`. */
async function status(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('#admin-status').filter({ hasText: text }).waitFor();
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 2, name: 'Hunts' }).waitFor();
}

/** Every request the page makes, to check that none carries the token in its URL. */
function urlsOf(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (req) => urls.push(req.url()));
  return urls;
}

/** A moment `seconds` from now as a datetime-local value in the browser's zone. */
function localMoment(page: Page, seconds: number): Promise<string> {
  return page.evaluate((s) => {
    const at = new Date(Date.now() + s * 1000);
    return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  }, seconds);
}

describe('organiser console', function () {
  this.timeout(240_000);
  const suite = engineSuite('web_admin');
  const browser = browserSuite();
  // A page of its own; no script error and nothing the CSP refused, whatever the test did.
  const withConsole = (fn: (page: Page) => Promise<void>) => withPage(browser.browser, async (page) => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text()); });
    await fn(page);
    expect(errors).to.deep.equal([]);
  });

  it('refuses a wrong admin token with a message and keeps nothing', async () => {
    await withConsole(async (page) => {
      await page.goto(`${suite.engine.url}/admin`);
      await check(page, 'sign-in');
      await page.getByLabel('Admin token').fill('not-the-admin-token-0123456789');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await status(page, 'Not signed in: the admin token was not accepted (401 unauthorized).');
      expect(await page.getByLabel('Admin token').getAttribute('aria-invalid')).to.equal('true');
      expect(await page.locator('#admin-token-error').textContent()).to.equal('This is not the engine\'s admin token.');
      expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);
      expect(await page.locator('#console').isHidden()).to.equal(true);
      await check(page, 'sign-in-refused');
    });
  });

  it('checks a new hunt by the API\'s rules before sending it, and shows the server\'s errors by their field', async () => {
    await createHunt(suite.client, 'taken-slug', [{ answers: ['x'] }], { status: 'draft' });
    await withConsole(async (page) => {
      const posts: string[] = [];
      page.on('request', (req) => { if (req.method() === 'POST') posts.push(req.url()); });
      await signIn(page, suite.engine.url);
      await page.getByRole('link', { name: 'Create a hunt' }).first().click();
      await page.getByRole('heading', { level: 2, name: 'Create a hunt' }).waitFor();
      await page.getByLabel('Slug').fill('Bad Slug!');
      await page.getByLabel('Title', { exact: true }).first().fill('Checked');
      await page.getByRole('button', { name: 'Create hunt' }).click();
      await status(page, 'The hunt was not created (3 problems): slug: slug must match ^[a-z0-9][a-z0-9-]{1,63}$');
      // Each message next to its field (the error line its aria-describedby names).
      const clue = page.getByRole('group', { name: 'Clue 1' });
      expect(await page.locator('#' + await page.getByLabel('Slug').getAttribute('id') + '-error').textContent())
        .to.equal('slug must match ^[a-z0-9][a-z0-9-]{1,63}$');
      expect(await describedError(clue.getByLabel('Title'))).to.equal('Too small: expected string to have >=1 characters');
      expect(await describedError(clue.getByLabel('Accepted answers'))).to.equal('Too small: expected array to have >=1 items');
      expect(await page.evaluate('document.activeElement?.id')).to.equal(await page.getByLabel('Slug').getAttribute('id'));
      expect(posts, 'no request for an invalid hunt').to.deep.equal([]);
      await check(page, 'create-invalid');

      // A rule only the server can check (the slug is taken): its message by the slug field.
      await page.getByLabel('Slug').fill('taken-slug');
      await clue.getByLabel('Title').fill('First');
      await clue.getByLabel('Accepted answers').fill('gold');
      await page.getByRole('button', { name: 'Create hunt' }).click();
      await status(page, /The hunt was not created: .* \(409 slug_taken\)/);
      expect(await describedError(page.getByLabel('Slug'))).to.match(/slug/);
      expect(posts).to.have.length(1);
      await check(page);
    });
  });

  it('gives the server\'s own message for the same mistake, without asking it', async () => {
    await withConsole(async (page) => {
      const posts: string[] = [];
      page.on('request', (req) => { if (req.method() === 'POST') posts.push(req.url()); });
      await signIn(page, suite.engine.url);
      await page.goto(`${suite.engine.url}/admin#new`);
      await page.getByLabel('Slug').fill('mirror-check');
      await page.getByLabel('Title', { exact: true }).first().fill('Mirror');
      await page.getByRole('button', { name: 'Add clue' }).click();
      const [one, two] = [page.getByRole('group', { name: 'Clue 1' }), page.getByRole('group', { name: 'Clue 2' })];
      for (const [clue, title] of [[one, 'A'], [two, 'B']] as const) {
        await clue.getByLabel('Title').fill(title);
        await clue.getByLabel('Accepted answers').fill(title.toLowerCase());
      }
      const valid = { slug: 'mirror-check', title: 'Mirror', status: 'draft', clues: [
        { title: 'A', body: '', points: 10, answers: ['a'] }, { title: 'B', body: '', points: 10, answers: ['b'] }] };
      // Each mistake made in the form, then undone; the same mistake sent to the API by hand.
      const mistakes: { make: () => Promise<void>; undo: () => Promise<void>; body: object }[] = [
        {
          make: async () => { await one.getByLabel('After clues').fill('2'); await two.getByLabel('After clues').fill('1'); },
          undo: async () => { await one.getByLabel('After clues').fill(''); await two.getByLabel('After clues').fill(''); },
          body: { ...valid, clues: [{ ...valid.clues[0], unlock: { afterClues: [2] } }, { ...valid.clues[1], unlock: { afterClues: [1] } }] },
        },
        {
          make: async () => { await page.getByLabel('Team: players compete in teams').check(); await page.getByLabel('Largest team (players)').fill('51'); },
          undo: async () => { await page.getByLabel('Solo: players compete alone').check(); },
          body: { ...valid, mode: 'team', maxTeamSize: 51 },
        },
        {
          make: () => two.getByLabel('Accepted answers').fill('!!!'),
          undo: () => two.getByLabel('Accepted answers').fill('b'),
          body: { ...valid, clues: [valid.clues[0], { ...valid.clues[1], answers: ['!!!'] }] },
        },
        {
          make: async () => {
            await page.getByRole('button', { name: 'Add hint to clue 1' }).click();
            await one.getByLabel('Hint text').fill('Look down');
            await one.getByLabel('Cost (points)').fill('10001');
          },
          undo: () => page.getByRole('button', { name: 'Remove hint 1 of clue 1' }).click(),
          body: { ...valid, clues: [{ ...valid.clues[0], hints: [{ text: 'Look down', cost: 10001 }] }, valid.clues[1]] },
        },
      ];
      for (const mistake of mistakes) {
        const server = await suite.client.post('/v1/admin/hunts', mistake.body, { token: ADMIN_TOKEN });
        expect(server.status, server.text).to.equal(400);
        await mistake.make();
        await page.getByRole('button', { name: 'Create hunt' }).click();
        await status(page, `The hunt was not created (1 problem): ${server.body.message}`);
        await mistake.undo();
      }
      expect(posts, 'no request for a hunt with a mistake').to.deep.equal([]);
      await check(page, 'create-mistake');
    });
  });

  it('runs a hunt from the console: create, schedule, open by itself for players, announce, freeze, moderate, refresh, stats, CSV, end', async () => {
    await withConsole(async (page) => {
      const urls = urlsOf(page);
      await signIn(page, suite.engine.url);
      expect(await page.evaluate(() => Object.values(sessionStorage))).to.deep.equal([ADMIN_TOKEN]);
      // The tab keeps it: a reload stays signed in.
      await page.reload();
      await page.getByRole('heading', { level: 2, name: 'Hunts' }).waitFor();
      await check(page, 'hunts');

      // Create: two clues (the second waits for the first), a hint; a third added and removed.
      await page.getByRole('link', { name: 'Create a hunt' }).first().click();
      await check(page, 'create');
      await page.getByLabel('Slug').fill(SLUG);
      await page.getByLabel('Title', { exact: true }).first().fill(TITLE);
      await page.getByLabel('Description (optional)').fill('Along the quays after dark.');
      await page.getByLabel('First-finder bonus (optional)').fill('5, 2');
      const first = page.getByRole('group', { name: 'Clue 1' });
      await first.getByLabel('Title').fill('Lighthouse');
      await first.getByLabel('Text').fill('Where the light <b>turns</b>');
      await first.getByLabel('Accepted answers').fill('lamp\nbeacon');
      await page.getByRole('button', { name: 'Add hint to clue 1' }).click();
      await first.getByRole('group', { name: 'Hint 1' }).getByLabel('Hint text').fill('Look up');
      await first.getByRole('group', { name: 'Hint 1' }).getByLabel('Cost (points)').fill('3');
      await page.getByRole('button', { name: 'Add clue' }).click();
      const second = page.getByRole('group', { name: 'Clue 2' });
      await second.getByLabel('Title').fill('Quay');
      await second.getByLabel('Text').fill('Ropes and rings');
      await second.getByLabel('Points').fill('20');
      await second.getByLabel('Accepted answers').fill('bollard');
      await second.getByLabel('After clues').fill('1');
      await page.getByRole('button', { name: 'Add clue' }).click();
      await page.getByRole('button', { name: 'Remove clue 3' }).click();
      expect(await page.getByRole('group', { name: 'Clue 3' }).count()).to.equal(0);
      await check(page, 'create-filled');
      await page.getByRole('button', { name: 'Create hunt' }).click();
      await page.getByRole('heading', { level: 2, name: TITLE }).waitFor();
      await status(page, 'Created the hunt');
      const definition = (await suite.client.get(`/v1/admin/hunts/${SLUG}`, { token: ADMIN_TOKEN })).body;
      expect(definition).to.include({ status: 'draft', title: TITLE, mode: 'solo' });
      expect(definition.firstFinderBonus).to.deep.equal([5, 2]);
      expect(definition.clues.map((c: { title: string; unlock: unknown; hints: unknown; acceptedAnswers: number }) => [c.title, c.unlock, c.hints, c.acceptedAnswers]))
        .to.deep.equal([
          ['Lighthouse', null, [{ text: 'Look up', cost: 3 }], 2],
          ['Quay', { afterClues: [1], afterFinds: null, afterMinutes: null }, [], 1],
        ]);
      await check(page, 'hunt-draft');

      // Schedule it a few seconds ahead: live, with its start to come.
      await page.getByLabel('Opens at').fill(await localMoment(page, 10));
      await page.getByRole('button', { name: 'Schedule' }).click();
      await status(page, 'The hunt is scheduled');
      expect(await fact(page, 'Status')).to.equal('Scheduled');

      // A player's page, in a browser of its own, opened before the start: the hunt opens on it
      // by itself (no reload), showing the clues.
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body?.status === 'scheduled' || undefined, 'the scheduled hunt published');
      await withPage(browser.browser, async (player) => {
        await player.goto(`${suite.engine.url}/hunts/${SLUG}`);
        expect(await player.getByRole('heading', { level: 1 }).textContent()).to.equal(TITLE);
        expect(await player.locator('#hunt-status').getAttribute('data-status')).to.equal('scheduled');
        expect(await player.getByRole('region', { name: 'Lighthouse' }).count()).to.equal(0);
        await player.getByRole('region', { name: 'Lighthouse' }).waitFor({ timeout: 60_000 });
        expect(await player.locator('#hunt-status').getAttribute('data-status')).to.equal('live');
        expect(await player.locator('#hunt-status .status').textContent()).to.equal('Live');
      });
      // The console says so too, by itself.
      await eventually(async () => (await fact(page, 'Status')) === 'Live' || undefined, 'the console showing the hunt live');

      // A player finds clue 1 (after a wrong guess): a competitor to moderate and to count.
      const alice = await registerPlayer(suite.client, 'alice_night');
      const [lighthouse] = definition.clues as { id: string }[];
      expect((await answer(suite.client, SLUG, lighthouse!.id, alice.token, 'torch')).body.correct).to.equal(false);
      expect((await answer(suite.client, SLUG, lighthouse!.id, alice.token, 'Lamp!')).body.correct).to.equal(true);

      // Announcements: posted (shown as text), then deleted.
      const text = 'Gates close at <b>nine</b>';
      await page.getByLabel('Announcement', { exact: true }).fill(text);
      await page.getByRole('button', { name: 'Post announcement' }).click();
      await status(page, 'The announcement is posted.');
      await page.locator('.announcement-list li').filter({ hasText: text }).waitFor();
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body.announcements.some((a: { text: string }) => a.text === text) || undefined, 'the announcement published');
      await check(page, 'hunt-live');
      await page.getByRole('button', { name: `Delete announcement: ${text}` }).click();
      await status(page, 'The announcement is deleted.');
      expect(await page.locator('.announcement-list li').filter({ hasText: text }).count()).to.equal(0);
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body.announcements.length === 0 || undefined, 'the announcement withdrawn');

      // Freeze, then unfreeze.
      await page.getByRole('button', { name: 'Freeze now' }).click();
      await status(page, 'The standings are frozen');
      expect(await fact(page, 'Status')).to.equal('Live, standings frozen');
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body.frozen === true || undefined, 'the hunt frozen');
      await check(page);
      await page.getByRole('button', { name: 'Unfreeze' }).click();
      await status(page, 'The standings are unfrozen.');
      expect(await fact(page, 'Status')).to.equal('Live');
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body.frozen === false || undefined, 'the hunt unfrozen');

      // Competitors: adjust points with a reason, hide, unhide.
      await page.getByRole('button', { name: 'Reload standings' }).click();
      const standings = page.getByRole('table', { name: /Live standings/ });
      await standings.getByRole('rowheader', { name: 'alice_night' }).waitFor();
      await page.getByLabel('Competitor', { exact: true }).selectOption({ label: 'alice_night' });
      await page.getByLabel('Points', { exact: true }).last().fill('-4');
      await page.getByLabel('Reason').fill('Ran through the fish market');
      await page.getByRole('button', { name: 'Adjust points' }).click();
      await status(page, 'Took 4 points from alice_night.');
      // 10 points, 5 the first finder's bonus, less 4.
      expect(await standings.getByRole('row', { name: /alice_night/ }).getByRole('cell').nth(1).textContent()).to.equal('11');
      await page.getByRole('button', { name: 'Hide alice_night' }).click();
      await status(page, 'alice_night is hidden from the public.');
      await page.getByRole('button', { name: 'Unhide alice_night' }).waitFor();
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}/leaderboard`)).body.total === 0 || undefined, 'alice hidden');
      await check(page);
      await page.getByRole('button', { name: 'Unhide alice_night' }).click();
      await status(page, 'alice_night is shown again.');
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}/leaderboard`)).body.total === 1 || undefined, 'alice shown again');

      // A refresh of the hunt, followed until its job completes.
      await page.getByRole('button', { name: 'Refresh this hunt' }).click();
      await page.locator('.job').filter({ hasText: /Refresh this hunt: .*completed/ }).waitFor({ timeout: 60_000 });
      await status(page, 'Refresh this hunt: the job completed.');

      // Stats and the big board, once the stats are refreshed.
      await page.getByRole('button', { name: 'Refresh stats' }).click();
      await page.locator('.job').filter({ hasText: /Refresh stats: .*completed/ }).waitFor({ timeout: 60_000 });
      const clueStats = page.getByRole('table', { name: /Clues \(as of/ });
      await clueStats.waitFor();
      // Finds, wrong guesses, hints taken.
      expect((await clueStats.getByRole('row', { name: /Lighthouse/ }).getByRole('cell').allTextContents()).slice(0, 3)).to.deep.equal(['1', '1', '0']);
      const bigboard = page.getByRole('table', { name: /Big board/ });
      expect(await bigboard.getByRole('rowheader').allTextContents()).to.deep.equal(['alice_night: 1 found']);
      expect(await bigboard.getByRole('cell').first().textContent()).to.match(/^found .*, 1 wrong$/);
      await check(page, 'hunt-stats');

      // The standings as a CSV file, fetched with the token in a header and offered as a download.
      await page.getByRole('button', { name: 'Export standings (CSV)' }).click();
      const link = page.getByRole('link', { name: `Download ${SLUG}-standings.csv` });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).to.equal(`${SLUG}-standings.csv`);
      const csv = readFileSync(await download.path(), 'utf8');
      expect(csv.split('\r\n')[0]).to.equal('rank,competitorId,name,points,cluesFound,lastFindAt');
      expect(csv.split('\r\n')[1]).to.match(new RegExp(`^1,${alice.id},alice_night,11,1,`));

      // End it.
      await page.getByRole('button', { name: 'End now' }).click();
      await status(page, 'The hunt has ended.');
      expect(await fact(page, 'Status')).to.equal('Ended');
      await eventually(async () => (await suite.client.get(`/v1/hunts/${SLUG}`)).body.status === 'ended' || undefined, 'the hunt ended');
      await check(page, 'hunt-ended');

      // The hunts list shows it (as text) with its state; a full rebuild followed to its end.
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Hunts' }).click();
      const card = page.locator('.hunt-card').filter({ has: page.getByRole('link', { name: TITLE }) });
      expect(await card.locator('.badge').textContent()).to.equal('Ended');
      await page.getByRole('button', { name: 'Refresh every hunt' }).click();
      await page.locator('.job').filter({ hasText: /Refresh every hunt: .*completed/ }).waitFor({ timeout: 60_000 });
      await check(page, 'hunts-after');

      // Signing out forgets the token; it was never in a URL.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Admin token').waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);
      expect(urls.filter((u) => u.includes(ADMIN_TOKEN))).to.deep.equal([]);
    });
  });
});

/** The text of the error line a control's aria-describedby names. */
async function describedError(control: ReturnType<Page['getByLabel']>): Promise<string | null> {
  const id = await control.getAttribute('id');
  return control.page().locator(`[id="${id}-error"]`).textContent();
}

/** The value of a fact (dt/dd) of the hunt's state. */
async function fact(page: Page, name: string): Promise<string | null> {
  return page.locator('.facts dt', { hasText: name }).locator('xpath=following-sibling::dd[1]').textContent();
}
