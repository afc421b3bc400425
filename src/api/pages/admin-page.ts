// `/admin`: the organiser console. Everything it shows needs the admin token, which only the
// browser holds (session storage): the page is a frame its script fills from the admin API.
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';

export function adminPage(assets: Assets): Html {
  return page(assets, {
    title: 'Organiser console · Treasure Hunt',
    script: 'admin.js',
    main: html`<h1>Organiser console</h1>`,
  });
}
