// `/admin`: the organiser console. Everything it shows needs the admin token, which only the
// browser holds (session storage): the page is the sign-in form and a frame its script fills
// from the admin API.
import type { Assets } from './assets.ts';
import { html, type Html } from './html.ts';
import { page } from './layout.ts';

export function adminPage(assets: Assets): Html {
  // The token field has no name: were the form ever submitted without the script, the token
  // would not go into the URL.
  return page(assets, {
    title: 'Organiser console · Treasure Hunt',
    script: 'admin.js',
    styles: ['admin.css'],
    main: html`<h1>Organiser console</h1>
<form id="sign-in" class="sign-in" novalidate>
<h2>Sign in</h2>
<p>Sign in with the engine's admin token. This tab keeps it until you sign out or close the tab.</p>
<div class="field">
<label for="admin-token">Admin token</label>
<input id="admin-token" type="password" autocomplete="off" spellcheck="false" autocapitalize="none" aria-describedby="admin-token-error">
<p class="error" id="admin-token-error"></p>
</div>
<button type="submit">Sign in</button>
</form>
<noscript><p>The console needs JavaScript.</p></noscript>
<div id="console" hidden></div>
<p id="admin-status" class="admin-status" role="status"></p>`,
  });
}
