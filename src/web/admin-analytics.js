// The organiser analytics: per-clue stats and finds per hour, the big board (every competitor
// against every clue), both as of the last stats refresh, and the live standings as a CSV file.
import { api, fetchFile, seg } from './admin-api.js';
import { button, el, failed, plural, say, section, table, when } from './admin-dom.js';
import { refreshControl } from './admin-jobs.js';
import { duration } from './times.js';

/** @param {any} hunt the hunt's definition (its slug) */
export function analytics(hunt) {
  const base = `/v1/admin/hunts/${seg(hunt.slug)}`;
  const stats = el('div', {});
  const bigboard = el('div', {});
  const download = el('p', {});
  let fileUrl = '';

  async function load() {
    const [doc, board] = await Promise.all([api('GET', `${base}/stats`), api('GET', `${base}/bigboard`)]);
    stats.replaceChildren(...(doc.generatedAt === null
      ? [el('p', { className: 'meta' }, 'No stats yet: they are computed every minute, or now with "Refresh stats".')]
      : [
        table(`Clues (as of ${when(doc.generatedAt)})`, ['Clue', 'Finds', 'Wrong guesses', 'Hints taken', 'Median time to find', 'First find'],
          doc.clues.map((/** @type {any} */ c) => [`${c.position}. ${c.title}`, c.finds, c.wrongGuesses, c.hintsTaken,
            c.medianSecondsToFind === null ? '—' : duration(c.medianSecondsToFind * 1000), when(c.firstFindAt)])),
        doc.findsPerHour.length > 0 && table('Finds per hour', ['Hour', 'Finds'],
          doc.findsPerHour.map((/** @type {any} */ h) => [when(h.hour), h.finds])),
      ]));
    bigboard.replaceChildren(board.generatedAt === null || board.competitors.length === 0
      ? el('p', { className: 'meta' }, board.generatedAt === null ? 'No big board yet: refresh the stats.' : 'No competitors yet.')
      : table(`Big board (as of ${when(board.generatedAt)})`, ['Competitor', ...board.clues.map((/** @type {any} */ c) => `${c.position}. ${c.title}`)],
        board.competitors.map((/** @type {any} */ c) => [
          `${c.name}${c.hidden ? ' (hidden)' : ''}: ${c.cluesFound} found`,
          ...c.cells.map((/** @type {any} */ cell) => cellText(cell)),
        ])));
  }

  const exportButton = button('Export standings (CSV)', async () => {
    const file = await fetchFile(`${base}/standings.csv`);
    // The file is fetched with the token in a header, then offered from memory: a link to the
    // route itself would need the token in its URL.
    if (fileUrl) URL.revokeObjectURL(fileUrl);
    fileUrl = URL.createObjectURL(file);
    const name = `${hunt.slug}-standings.csv`;
    const link = el('a', { href: fileUrl, download: name }, `Download ${name}`);
    download.replaceChildren(link);
    link.focus();
    say(`The standings are ready to download: ${name}.`);
  }, { className: 'secondary' });

  load().catch(failed);
  return section('Stats and exports',
    refreshControl('Refresh stats', { stats: true }, load),
    stats, bigboard,
    el('h4', {}, 'Standings file'), el('p', { className: 'hint' }, 'The live standings (not frozen; hidden competitors left out).'),
    exportButton, download);
}

/** A big board cell: found (when), or not; wrong guesses and hints taken. */
function cellText(/** @type {{ foundAt: string | null, hintsTaken: number, wrongGuesses: number }} */ cell) {
  const parts = [cell.foundAt ? `found ${new Date(cell.foundAt).toLocaleTimeString()}` : 'not found'];
  if (cell.wrongGuesses > 0) parts.push(`${cell.wrongGuesses} wrong`);
  if (cell.hintsTaken > 0) parts.push(plural(cell.hintsTaken, 'hint'));
  return parts.join(', ');
}
