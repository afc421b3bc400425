// The player's journey in chromium: from the hunts list to a hunt, joining, answering wrong then
// right, points and rank, a hint bought with a confirmation, the guess limit, continuing on
// another device; in a team hunt, a team created in one browser and joined from another. axe on
// every state, screenshots at both sizes, no horizontal scrolling at 360 px, every control
// reachable by keyboard.
import { expect } from 'chai';
import { browserSuite, expectAccessible, expectNoHorizontalScroll, screenshots, withPage } from './support/browser.ts';
import { engineSuite } from './support/engine-suite.ts';
import { eventually } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { clue, countOf, expectKeyboardReachable, join, submitAnswer, textOf, watchForScript } from './support/player-pages.ts';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('web: the player\'s journey', function () {
  this.timeout(120_000);
  // Two free wrong guesses per clue, then a back-off long enough to read.
  const suite = engineSuite('web_player', { config: { guessFreeWrongPerClue: 2, guessBackoffBaseSeconds: 30 } });
  const browser = browserSuite();

  before(async () => {
    await createHunt(suite.client, 'city-walk', [
      { title: 'Kitchen', body: 'Where the coffee lives.\nLook behind the cups.', points: 10, answers: ['espresso machine'] },
      { title: 'Roof', body: 'Look up', points: 25, answers: ['antenna'], unlock: { afterClues: [1] } },
      { title: 'Garden', body: 'Among the roses', points: 5, answers: ['gnome'],
        hints: [{ text: 'It wears a red hat', cost: 2 }, { text: 'Small and bearded', cost: 3 }] },
    ], { title: 'City walk', description: 'Three places around the old town.', endsAt: inDays(2) });
    await createHunt(suite.client, 'night-race', [
      { title: 'Bridge', body: 'Who lives under it?', answers: ['troll'] },
      { title: 'Tower', body: 'What rings at noon?', answers: ['bell'] },
    ], { title: 'Night race', description: 'Teams of up to four.', mode: 'team', endsAt: inDays(1) });
    await createHunt(suite.client, 'later-on', [{ title: 'Soon', answers: ['x'] }],
      { title: 'Later on', startsAt: new Date(Date.now() + 3_600_000).toISOString() });
    for (const slug of ['city-walk', 'night-race', 'later-on']) {
      await eventually(async () => (await suite.client.get(`/v1/hunts/${slug}`)).status === 200 || undefined, `${slug} published`);
    }
  });

  it('shows a hunt\'s clues and leaderboard without any script', async () => {
    const context = await browser.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await page.goto(`${suite.engine.url}/hunts/city-walk`);
      expect(await page.getByRole('table', { name: 'Leaderboard', exact: true }).count()).to.equal(1);
      expect(await clue(page, 'Kitchen').textContent()).to.contain('Look behind the cups.');
      expect(await clue(page, 'Clue 2').textContent()).to.contain('Locked');
    } finally {
      await context.close();
    }
  });

  it('follows a hunt from the list, joins, answers wrong then right, sees points and rank, takes a hint, continues on another device', async () => {
    let code = '';
    await withPage(browser.browser, async (page) => {
      const script = watchForScript(page);
      await page.goto(`${suite.engine.url}/`);
      await page.getByRole('link', { name: 'City walk', exact: true }).click();
      await page.waitForURL(/\/hunts\/city-walk$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).to.equal('City walk');
      await textOf(page.locator('#hunt-status .countdown'), /Ends .+ \(in 1 d 23 h\)/, 'a countdown to the end');
      await expectAccessible(page);
      await screenshots(page, 'hunt-solo-visitor');

      await join(page, 'alice');
      const kitchen = clue(page, 'Kitchen');
      await countOf(kitchen.getByLabel('Answer', { exact: true }), 1, 'an answer field in the Kitchen region');
      expect(await clue(page, 'Clue 2').getByLabel('Answer').count(), 'no answer field for a locked clue').to.equal(0);
      await submitAnswer(page, 'Kitchen', 'tea pot', /^Not quite$/);
      await submitAnswer(page, 'Kitchen', 'Espresso Machine!', /^Correct: \+10 points$/);
      await textOf(kitchen.locator('.clue-state'), 'Found', 'Kitchen marked found');
      await textOf(page.locator('#player-points'), /^10$/, '10 points');
      await textOf(page.locator('#player-rank'), /^1$/, 'rank 1 once the leaderboard is published');
      await textOf(page.locator('#leaderboard tr[aria-current="true"]'), 'alice', 'alice\'s own row marked on the leaderboard');

      // Found, the first clue opens the second for alice: its title and text come from her view.
      const roof = clue(page, 'Roof');
      await textOf(roof, 'Look up', 'the Roof clue opened for alice');
      await submitAnswer(page, 'Roof', 'chimney', /^Not quite$/);

      // A hint: asked, confirmed, shown, paid for.
      const garden = clue(page, 'Garden');
      await garden.getByRole('button', { name: 'Take hint (costs 2 points)', exact: true }).click();
      await garden.getByRole('button', { name: 'Confirm', exact: true }).click();
      await textOf(garden, 'It wears a red hat', 'the hint\'s text');
      await textOf(garden.getByRole('status'), 'Hint 1 taken', 'the hint taken');
      await textOf(page.locator('#player-points'), /^8$/, 'the hint\'s cost taken from the points');
      await countOf(garden.getByRole('button', { name: 'Take hint (costs 3 points)', exact: true }), 1, 'the next hint offered');
      // Cancelling the confirmation takes nothing.
      await garden.getByRole('button', { name: 'Take hint (costs 3 points)', exact: true }).click();
      await garden.getByRole('button', { name: 'Cancel', exact: true }).click();
      expect(await garden.textContent()).not.to.contain('Small and bearded');

      // Wrong guesses past the free ones: the back-off, with its wait.
      await submitAnswer(page, 'Roof', 'chimney pot', /^Not quite$/);
      await submitAnswer(page, 'Roof', 'satellite dish', /^Not quite$/);
      await submitAnswer(page, 'Roof', 'weather vane', /^Too many guesses, try again in \d+ s$/);

      await expectAccessible(page);
      await screenshots(page, 'hunt-solo-joined');
      await page.setViewportSize({ width: 360, height: 800 });
      await expectNoHorizontalScroll(page);
      await expectKeyboardReachable(page);

      await page.getByRole('button', { name: 'Continue on another device', exact: true }).click();
      code = await textOf(page.locator('#transfer-code'), /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}$/, 'a transfer code');
      expect(await page.evaluate('JSON.stringify(localStorage)')).to.contain('"token');
      expect(page.url()).not.to.contain('token');
      await script.check();
    });

    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/hunts/city-walk`);
      await page.getByLabel('Transfer code', { exact: true }).fill(code.toLowerCase());
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await textOf(page.locator('#player-handle'), 'alice', 'playing as alice on the other device');
      await textOf(page.locator('#player-points'), /^8$/, 'alice\'s points on the other device');
      await textOf(clue(page, 'Kitchen').locator('.clue-state'), 'Found', 'alice\'s find on the other device');
    });
  });

  it('tells a taken handle, and an unknown transfer code', async () => {
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/hunts/city-walk`);
      await page.getByLabel('Handle', { exact: true }).fill('alice');
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await textOf(page.locator('#join-message'), 'That handle is taken', 'handle taken');
      await page.getByLabel('Transfer code', { exact: true }).fill('AAAA-BBBB-CC');
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await textOf(page.locator('#join-message'), 'That code is unknown', 'unknown code');
      await expectAccessible(page);
    });
  });

  it('in a team hunt, creates a team in one browser and joins it from another with the join code', async () => {
    await withPage(browser.browser, async (carol) => {
      await carol.goto(`${suite.engine.url}/hunts/night-race`);
      await expectAccessible(carol);
      await screenshots(carol, 'hunt-team-visitor');
      await join(carol, 'carol');
      expect(await clue(carol, 'Bridge').getByLabel('Answer').count(), 'no answering before a team').to.equal(0);
      await expectAccessible(carol);
      await screenshots(carol, 'hunt-team-no-team');
      await carol.getByLabel('Team name', { exact: true }).fill('Night Owls');
      await carol.getByRole('button', { name: 'Create team', exact: true }).click();
      const code = await textOf(carol.locator('#team-join-code'), /\S/, 'the join code to share');
      await textOf(carol.locator('#team-name-text'), 'Night Owls', 'the team\'s name');
      await countOf(clue(carol, 'Bridge').getByLabel('Answer', { exact: true }), 1, 'answering once in a team');

      await withPage(browser.browser, async (dave) => {
        // Dave's page hears no live updates: it still offers a clue carol finds meanwhile.
        await dave.route('**/v1/hunts/*/events', (route) => route.abort());
        await dave.goto(`${suite.engine.url}/hunts/night-race`);
        await join(dave, 'dave');
        await dave.getByLabel('Join code', { exact: true }).fill(code.trim());
        await dave.getByRole('button', { name: 'Join team', exact: true }).click();
        await textOf(dave.locator('#team-name-text'), 'Night Owls', 'dave in Night Owls');
        await textOf(dave.locator('#team-members'), /carol[\s\S]*dave|dave[\s\S]*carol/, 'both members in dave\'s panel');
        // Carol's panel follows without a reload.
        await textOf(carol.locator('#team-members'), 'dave', 'dave in carol\'s panel');

        await submitAnswer(dave, 'Bridge', 'Troll', /^Correct: \+10 points$/);
        await textOf(clue(carol, 'Bridge').locator('.clue-state'), 'Found', 'the team\'s find in carol\'s page');
        await textOf(carol.locator('#player-points'), /^10$/, 'the team\'s points in carol\'s page');
        await textOf(carol.locator('#leaderboard tr[aria-current="true"]'), 'Night Owls', 'the team\'s row marked');
        await submitAnswer(carol, 'Tower', 'Bell', /^Correct: \+10 points$/);
        await submitAnswer(dave, 'Tower', 'bell', /^Already found$/);
        await expectAccessible(dave);
      });
      await expectAccessible(carol);
      await screenshots(carol, 'hunt-team-joined');
      await carol.setViewportSize({ width: 360, height: 800 });
      await expectNoHorizontalScroll(carol);
      await expectKeyboardReachable(carol);
    });
  });

  it('says "Locked" when the page still offers a clue that has closed for the player, then withdraws it', async () => {
    const hunt = await createHunt(suite.client, 'relay', [
      { title: 'Start', answers: ['go'] },
      { title: 'Finish', body: 'After the start', answers: ['end'], unlock: { afterClues: [1] } },
    ], { title: 'Relay', mode: 'team' });
    const uma = await registerPlayer(suite.client, 'uma');
    expect((await suite.client.post('/v1/hunts/relay/teams', { name: 'Hares' }, { token: uma.token })).status).to.equal(201);
    expect((await answer(suite.client, 'relay', hunt.clues[0]!.id, uma.token, 'go')).body.correct).to.equal(true);
    await withPage(browser.browser, async (page) => {
      // No live updates for this page: it stays as it was when loaded.
      await page.route('**/v1/hunts/*/events', (route) => route.abort());
      await page.goto(`${suite.engine.url}/hunts/relay`);
      await page.evaluate(`localStorage.setItem('treasure-hunt.player', ${JSON.stringify(JSON.stringify(uma))})`);
      await page.reload();
      await countOf(clue(page, 'Finish').getByLabel('Answer', { exact: true }), 1, 'Finish open for the Hares');
      // Uma moves to a team without finds (from another device): Finish is locked for her now.
      expect((await suite.client.post('/v1/hunts/relay/teams/leave', {}, { token: uma.token })).status).to.equal(204);
      expect((await suite.client.post('/v1/hunts/relay/teams', { name: 'Tortoises' }, { token: uma.token })).status).to.equal(201);
      await clue(page, 'Finish').getByLabel('Answer', { exact: true }).fill('end');
      await clue(page, 'Finish').getByRole('button', { name: 'Submit', exact: true }).click();
      // Told, then shown as the public sees it: locked, its title and text withheld again.
      await textOf(page.getByRole('status'), /^Locked$/, 'Locked');
      await countOf(clue(page, 'Clue 2').getByLabel('Answer'), 0, 'the answer field withdrawn');
      await textOf(clue(page, 'Clue 2').getByRole('status'), 'Locked', 'the result kept');
      await textOf(page.locator('#team-name-text'), 'Tortoises', 'her new team');
    });
  });

  it('counts down to a scheduled hunt\'s start, with no clues until then', async () => {
    await withPage(browser.browser, async (page) => {
      await page.goto(`${suite.engine.url}/`);
      await textOf(page.locator('.hunt-card', { hasText: 'Later on' }).locator('.countdown'), /Starts .+ \(in \d+ min \d\d s\)/, 'the list\'s countdown');
      await screenshots(page, 'hunts-three');
      await page.goto(`${suite.engine.url}/hunts/later-on`);
      await textOf(page.locator('#hunt-status .countdown'), /Starts .+ \(in \d+ min \d\d s\)/, 'the page\'s countdown');
      expect(await page.locator('#clues').textContent()).to.contain('The clues appear when the hunt starts.');
      await expectAccessible(page);
      await screenshots(page, 'hunt-scheduled');
    });
  });
});
