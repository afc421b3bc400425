// A page that only says something: not found, not ready.
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';

export function messagePage(assets: Assets, title: string, message: string): Html {
  return page(assets, { title: `${title} · Treasure Hunt`, main: html`<h1>${title}</h1><p>${message}</p><p><a href="/">All hunts</a></p>` });
}
