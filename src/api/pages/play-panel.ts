// A hunt page's player panels, the same for every reader (nothing in them is anyone's): joining
// (a handle, or a transfer code from another device), the player's score, and in a team hunt the
// team forms. All hidden until the script shows the parts that apply to the browser's player and
// fills in their values (players' own data never comes from the server's page): forms that only
// a script can send are not offered without one (nor could a transfer code typed there end up in
// a URL).
import type { HuntMode } from '../../core/documents.ts';
import { html, type Html } from './html.ts';

export function playPanel(mode: HuntMode): Html {
  return html`<section id="play" class="panel" aria-labelledby="play-title">
<h2 id="play-title">Play</h2>
<noscript><p>Playing needs JavaScript; the clues and the leaderboard are all here without it.</p></noscript>
<div id="join" hidden>
<form id="join-form" class="inline-form" novalidate>
<label for="join-handle">Handle</label>
<input id="join-handle" name="handle" autocomplete="nickname" autocapitalize="none" spellcheck="false" maxlength="32" aria-describedby="join-help">
<button type="submit">Join</button>
</form>
<p id="join-help" class="help">3 to 32 letters, digits, _ or -, shown on the leaderboard.</p>
<form id="claim-form" class="inline-form" novalidate>
<label for="claim-code">Transfer code</label>
<input id="claim-code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" aria-describedby="claim-help">
<button type="submit">Continue</button>
</form>
<p id="claim-help" class="help">Playing already on another device? Choose "Continue on another device" there and type its code here.</p>
<p id="join-message" class="form-message" aria-live="polite"></p>
</div>
<div id="player" hidden>
<p>Playing as <strong id="player-handle" class="name"></strong></p>
<dl class="score">
<div><dt>Points</dt><dd id="player-points">0</dd></div>
<div><dt>Rank</dt><dd id="player-rank">-</dd></div>
<div><dt>Clues found</dt><dd id="player-found">0</dd></div>
</dl>
<button type="button" id="transfer-button" class="secondary">Continue on another device</button>
<p id="transfer-message" class="form-message" aria-live="polite"></p>
</div>
</section>
${mode === 'team' && teamPanel()}`;
}

function teamPanel(): Html {
  return html`<section id="team" class="panel" aria-labelledby="team-title" hidden>
<h2 id="team-title">Your team</h2>
<div id="team-none">
<p>In a team hunt you play as a team: create one, or join one with the join code a member shares.</p>
<form id="team-create-form" class="inline-form" novalidate>
<label for="team-name">Team name</label>
<input id="team-name" name="name" autocomplete="off" maxlength="40">
<button type="submit">Create team</button>
</form>
<form id="team-join-form" class="inline-form" novalidate>
<label for="team-code">Join code</label>
<input id="team-code" name="joinCode" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64">
<button type="submit">Join team</button>
</form>
</div>
<div id="team-info" hidden>
<p>Team <strong id="team-name-text" class="name"></strong></p>
<p>Join code to share: <code id="team-join-code"></code></p>
<h3 id="team-members-title">Members</h3>
<ul id="team-members" aria-labelledby="team-members-title"></ul>
</div>
<p id="team-message" class="form-message" aria-live="polite"></p>
</section>`;
}
