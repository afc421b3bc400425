// A real browser for the web app's tests: Debian's chromium driven by playwright-core (no browser
// download). Where chromium is missing the tests skip with a message; REQUIRE_BROWSER=1 (.ci/run's
// first pass) makes that a failure, and SKIP_BROWSER=1 (its second pass) skips them on purpose.
import { existsSync, mkdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = new URL('../../test-output/', import.meta.url);

/** Call at the top of a describe(): its before hook launches chromium (or skips the suite). */
export function browserSuite(): { browser: Browser } {
  const suite = {} as { browser: Browser };
  before(async function () {
    if (process.env.SKIP_BROWSER === '1') {
      console.log('      (browser tests skipped: SKIP_BROWSER=1)');
      this.skip();
    }
    if (!existsSync(CHROMIUM)) {
      const message = `chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
      if (process.env.REQUIRE_BROWSER === '1') throw new Error(`${message}; REQUIRE_BROWSER=1 forbids skipping the browser tests`);
      console.log(`      (browser tests skipped: ${message})`);
      this.skip();
    }
    // As root chromium needs --no-sandbox.
    suite.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => { await suite.browser?.close(); });
  return suite;
}

/**
 * A page in a context of its own (a browser profile: its own storage, as another device would
 * have), closed with its context after `fn`. axe needs pages made from a context.
 */
export async function withPage<T>(browser: Browser, fn: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    return await fn(await context.newPage());
  } finally {
    await context.close();
  }
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${page.url()}`).to.deep.equal([]);
}

/**
 * Screenshots of the page at a phone's size (390x844) and a laptop's (1280x800), full length,
 * under test-output/ (git-ignored) for people to look at. Leaves the page at the phone's size.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [label, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: new URL(`${name}-${label}.png`, SCREENSHOTS).pathname, fullPage: true });
  }
}

/** No horizontal scrolling at the page's current width. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number;
  expect(overflow, `horizontal overflow on ${page.url()}`).to.be.at.most(0);
}
