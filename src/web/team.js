// The team panel of a team hunt: create a team or join one by its code; once in one, its name,
// the join code to share and its members (from the team's public document, re-read when the
// event stream says the team changed).
import { huntPath, request, retryAfter } from './api.js';
import { el, onSubmit, setText, show } from './dom.js';
import { LIVE_INTERVAL_MS, serial } from './serial.js';

/** @typedef {{ type: string, id: string, name: string, joinCode: string | null }} Competitor */

/**
 * @param {string} slug
 * @param {() => { handle: string, token: string } | null} player
 * @param {() => void} onJoined the player's own view changed (a team created or joined)
 */
export function teamPanel(slug, player, onJoined) {
  const panel = document.getElementById('team');
  const message = (/** @type {string} */ text) => setText('team-message', text);
  /** @type {Competitor | null} */
  let team = null;
  /** The code of a team just created, until the player's view carries it. */
  let createdCode = '';
  let membersEtag = '';

  const refreshMembers = serial(async () => {
    const list = document.getElementById('team-members');
    if (!team || !list) return;
    const res = await request('GET', `${huntPath(slug)}/teams/${encodeURIComponent(team.id)}`, { etag: membersEtag });
    if (res.status !== 200) {
      // Not published yet (a team just made): its members are the player, for now.
      if (res.status === 404 && list.children.length === 0) list.replaceChildren(el('li', { class: 'name' }, player()?.handle ?? ''));
      return;
    }
    membersEtag = res.headers.get('etag') ?? '';
    const handles = res.body.members.map((/** @type {{ handle: string }} */ m) => m.handle);
    // The player's own view says they are in the team, before its document does.
    const own = player()?.handle;
    if (own && !handles.includes(own)) handles.push(own);
    list.replaceChildren(...handles.map((/** @type {string} */ handle) => el('li', { class: 'name' }, handle)));
  }, LIVE_INTERVAL_MS);

  /** @param {string} formId @param {string} path @param {string} field @param {string} empty */
  const submitter = (formId, path, field, empty) => {
    const form = document.getElementById(formId);
    onSubmit(form, field, message, empty, async (value) => {
      const res = await request('POST', `${huntPath(slug)}/${path}`, { body: { [field]: value }, token: player()?.token });
      if (res.status !== 200 && res.status !== 201) return message(teamError(res));
      createdCode = res.body.joinCode ?? '';
      /** @type {HTMLFormElement} */ (form).reset();
      message(`You are in team ${res.body.name}.`);
      onJoined();
    });
  };
  submitter('team-create-form', 'teams', 'name', 'Type a team name first.');
  submitter('team-join-form', 'teams/join', 'joinCode', 'Type the join code first.');

  return {
    /** Shows the panel for the player's own view (null: not joined). @param {{ competitor: Competitor | null } | null} view */
    apply(view) {
      show(panel, view !== null);
      const competitor = view?.competitor ?? null;
      show(document.getElementById('team-none'), competitor === null);
      show(document.getElementById('team-info'), competitor !== null);
      const changed = competitor?.id !== team?.id;
      team = competitor;
      if (!competitor) return;
      setText('team-name-text', competitor.name);
      setText('team-join-code', competitor.joinCode ?? createdCode);
      if (changed) {
        membersEtag = '';
        document.getElementById('team-members')?.replaceChildren();
        refreshMembers();
      }
    },
    /** The event stream named these competitors' documents as changed. @param {string[]} competitors */
    onUpdate(competitors) {
      if (team && competitors.includes(team.id)) refreshMembers();
    },
  };
}

function teamError(/** @type {{ status: number, body: any, headers: Headers }} */ res) {
  switch (res.body?.error) {
    case 'team_name_taken': return 'A team of this hunt already has that name: choose another.';
    case 'not_found': return 'No team of this hunt has that join code.';
    case 'team_full': return 'That team is full.';
    case 'already_in_team': return 'You are in a team of this hunt already.';
    case 'invalid_body': return 'A team name is 1 to 40 characters.';
    case 'rate_limited': return `Too many tries, wait ${retryAfter(res.headers)} s.`;
    case 'unauthorized': return 'Join the hunt first.';
    default: return 'That did not work: try again.';
  }
}
