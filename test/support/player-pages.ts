// What the player pages' browser tests do again and again: join, play a clue, wait for text to
// show without a reload, tab through the page, and watch for script that should never run.
import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { eventually } from './engine.ts';

/** Waits (polling, generous deadline) until the locator's text matches; returns that text. */
export async function textOf(locator: Locator, wanted: string | RegExp, what: string, timeoutMs = 10_000): Promise<string> {
  return eventually(async () => {
    const text = (await locator.first().textContent({ timeout: 500 })) ?? '';
    return (typeof wanted === 'string' ? text.includes(wanted) : wanted.test(text)) ? text : undefined;
  }, what, timeoutMs);
}

/** Waits until the locator matches as many elements as expected (e.g. 1: shown; 0: gone). */
export async function countOf(locator: Locator, count: number, what: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await locator.count()) === count || undefined, what, timeoutMs);
}

/** Joins with a new handle through the page's form. */
export async function join(page: Page, handle: string): Promise<void> {
  await page.getByLabel('Handle', { exact: true }).fill(handle);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await textOf(page.locator('#player-handle'), handle, `playing as ${handle}`);
}

/** The region of a clue, named by its title. */
export const clue = (page: Page, title: string): Locator => page.getByRole('region', { name: title, exact: true });

/** Answers a clue through its form; returns what the live region then says. */
export async function submitAnswer(page: Page, title: string, text: string, expected: string | RegExp): Promise<string> {
  const region = clue(page, title);
  await region.getByLabel('Answer', { exact: true }).fill(text);
  await region.getByRole('button', { name: 'Submit', exact: true }).click();
  return textOf(region.getByRole('status'), expected, `"${expected}" after answering ${title}`);
}

/** Marks the window: a reload (or navigation) would lose the mark. */
export async function markWindow(page: Page): Promise<void> {
  await page.evaluate('window.__notReloaded = true');
}

export async function expectNotReloaded(page: Page): Promise<void> {
  expect(await page.evaluate('window.__notReloaded'), 'the page was not reloaded').to.equal(true);
}

/**
 * Fails the test's later checks if the page ever opens a dialog, logs an error or sets
 * window.pwned (what the hostile texts would do, were they run).
 */
export function watchForScript(page: Page): { check(): Promise<void> } {
  const seen: string[] = [];
  page.on('dialog', (dialog) => {
    seen.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => seen.push(`page error: ${err.message}`));
  // Chrome logs every 4xx a script's fetch gets (a team not published yet is a 404): not script errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) seen.push(`console error: ${message.text()}`);
  });
  return {
    async check() {
      expect(await page.evaluate('window.pwned'), 'window.pwned').to.equal(undefined);
      expect(seen).to.deep.equal([]);
    },
  };
}

/**
 * Every visible control (links, buttons, fields) is reached by pressing Tab, and shows a focus
 * outline when it is.
 */
export async function expectKeyboardReachable(page: Page): Promise<void> {
  const controls = await page.evaluate(`(() => {
    const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')];
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    all.forEach((e, i) => e.setAttribute('data-keyboard', String(i)));
    return all.filter((e) => visible(e) && e.tabIndex >= 0 && !e.disabled).map((e) => e.getAttribute('data-keyboard'));
  })()`) as string[];
  await page.evaluate('document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)');
  const reached = new Set<string>();
  const unfocused: string[] = [];
  for (let i = 0; i < controls.length + 5; i++) {
    await page.keyboard.press('Tab');
    const [id, outline] = await page.evaluate(`(() => {
      const e = document.activeElement;
      const style = e ? getComputedStyle(e) : null;
      return [e?.getAttribute('data-keyboard') ?? null, style ? style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 : false];
    })()`) as [string | null, boolean];
    if (id === null) continue;
    reached.add(id);
    if (!outline) unfocused.push(id);
  }
  const describe = (ids: string[]) => page.evaluate(`${JSON.stringify(ids)}.map((id) => {
    const e = document.querySelector('[data-keyboard="' + id + '"]');
    return e.tagName.toLowerCase() + ' "' + (e.textContent || e.getAttribute('name') || e.id).trim().slice(0, 40) + '"';
  })`) as Promise<string[]>;
  expect(await describe(controls.filter((id) => !reached.has(id))), 'controls not reached with Tab').to.deep.equal([]);
  expect(await describe(unfocused), 'controls without a visible focus outline').to.deep.equal([]);
}
