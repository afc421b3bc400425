// Times on pages: a <time> element with the exact instant for scripts and machines, and a UTC
// rendering as its text until the page's script puts it in the reader's time zone.
import { html, type Html } from './html.ts';

export function when(at: string): Html {
  const text = `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
  return html`<time datetime="${at}">${text}</time>`;
}
