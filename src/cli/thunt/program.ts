// thunt's commands (commander). Each is a client of the HTTP API only: what it sends is what an
// organiser would send with curl (README, "HTTP API"), and what it prints is made for a terminal.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, InvalidArgumentError } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import { AdminClient } from './admin-client.ts';
import { CliError } from './errors.ts';
import { readHuntFile } from './hunt-file.ts';
import { waitForJob } from './job-wait.ts';
import { DEFAULT_URL, loadSettings } from './settings.ts';
import { table, utcMinute, utcSecond } from './tables.ts';

// The replies thunt reads (README, "HTTP API"); only the fields it shows.
interface HuntState { slug: string; status: string; startsAt: string | null; endsAt: string | null; freezeAt: string | null }
interface HuntListing extends HuntState { title: string; mode: string; clueCount: number; competitorCount: number }
interface BoardEntry {
  rank: number; playerId?: string; teamId?: string; handle?: string; name?: string;
  points: number; cluesFound: number; lastFindAt: string; memberCount?: number;
}
interface Board { entries: BoardEntry[]; total: number; generatedAt: string }

// The largest `limit` the leaderboard routes take.
const BOARD_PAGE = 100;

const huntPath = (slug: string, rest = '') => `/v1/admin/hunts/${encodeURIComponent(slug)}${rest}`;
const say = (line: string) => { process.stdout.write(line + '\n'); };
const connect = async () => new AdminClient(await loadSettings());

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return n;
}

export function buildProgram(): Command {
  const program = new Command('thunt');
  // Set before the subcommands are added, which copy them: usage errors become a CommanderError
  // for main.ts (exit 2), and read like thunt's other errors.
  program
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`thunt: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(add --help for usage)');
  program
    .description('Run treasure hunts from a terminal, through the engine\'s admin HTTP API.')
    .version(packageJson.version)
    .addHelpText('after', `
Environment:
  THUNT_URL          the engine's API (default ${DEFAULT_URL}, where npm start listens)
  THUNT_ADMIN_TOKEN  the admin token (default: the one npm start wrote to .data/admin-token)

Examples:
  thunt hunt create examples/solo-hunt.yaml
  thunt hunt live office-hunt
  thunt refresh office-hunt --wait
  thunt standings office-hunt --csv > standings.csv`);

  const hunt = program.command('hunt').description('create, list and run hunts');

  hunt.command('create').argument('<file>', 'a hunt in YAML: the body of POST /v1/admin/hunts (see examples/)')
    .description('create a hunt with its clues from a YAML file')
    .action(async (file: string) => {
      const body = await readHuntFile(file);
      const client = await connect();
      const created = await client.post<{ slug: string; clues: unknown[] }>('/v1/admin/hunts', body);
      const status = typeof body.status === 'string' ? body.status : 'draft';
      say(`created ${created.slug} (${status}, ${created.clues.length} clue${created.clues.length === 1 ? '' : 's'})`
        + (status === 'draft' ? `; open it with: thunt hunt live ${created.slug}` : ''));
    });

  hunt.command('list').description('every hunt, drafts included, newest first')
    .option('--json', 'print the API\'s reply as it is')
    .action(async (options: { json?: boolean }) => {
      const { hunts } = await (await connect()).get<{ hunts: HuntListing[] }>('/v1/admin/hunts');
      if (options.json) return say(JSON.stringify({ hunts }, null, 2));
      if (hunts.length === 0) return say('no hunts yet: create one with thunt hunt create FILE.yaml (see examples/)');
      say(table(hunts, [
        { title: 'SLUG', value: (h) => h.slug },
        { title: 'STATUS', value: (h) => h.status },
        { title: 'MODE', value: (h) => h.mode },
        { title: 'CLUES', value: (h) => h.clueCount },
        { title: 'COMPETITORS', value: (h) => h.competitorCount },
        { title: 'STARTS (UTC)', value: (h) => utcMinute(h.startsAt) },
        { title: 'ENDS (UTC)', value: (h) => utcMinute(h.endsAt) },
        { title: 'FREEZE (UTC)', value: (h) => utcMinute(h.freezeAt) },
        { title: 'TITLE', value: (h) => h.title },
      ]));
    });

  hunt.command('live').argument('<slug>').description('open a hunt to players (from draft, or again after it ended)')
    // Reopening a hunt whose endsAt has passed needs a new one in the same request (409 otherwise).
    .option('--ends-at <time>', 'move endsAt too: an ISO time such as 2030-06-01T17:00:00Z, or "none"')
    .action(async (slug: string, options: { endsAt?: string }) => {
      const change = options.endsAt === undefined ? {} : { endsAt: options.endsAt === 'none' ? null : options.endsAt };
      const hunt = await (await connect()).patch<HuntState>(huntPath(slug), { status: 'live', ...change });
      const opens = hunt.startsAt !== null && Date.parse(hunt.startsAt) > Date.now() ? `; it opens at ${utcMinute(hunt.startsAt)} UTC` : '';
      const until = hunt.endsAt !== null ? `; it ends at ${utcMinute(hunt.endsAt)} UTC` : '';
      say(`${hunt.slug} is live${opens}${until}`);
    });

  hunt.command('end').argument('<slug>').description('end a live hunt: no more answers')
    .action(async (slug: string) => {
      const hunt = await (await connect()).patch<HuntState>(huntPath(slug), { status: 'ended' });
      say(`${hunt.slug} has ended`);
    });

  hunt.command('freeze').argument('<slug>').description('freeze the public leaderboard as it is now (finds still count)')
    .action(async (slug: string) => {
      const client = await connect();
      // Freezing again would move the freeze to now and reveal the finds made since: keep it.
      const current = await client.get<HuntState>(huntPath(slug));
      if (current.freezeAt !== null && Date.parse(current.freezeAt) <= Date.now()) {
        return say(`${slug}: the scoreboard is already frozen, since ${utcSecond(current.freezeAt)} UTC`);
      }
      const hunt = await client.patch<HuntState>(huntPath(slug), { freezeAt: new Date().toISOString() });
      say(`${hunt.slug}: scoreboard frozen at ${utcSecond(hunt.freezeAt)} UTC; players see the leaderboard of that moment (thunt standings shows the live one)`);
    });

  hunt.command('unfreeze').argument('<slug>').description('show the live leaderboard to players again (cancels a scheduled freeze too)')
    .action(async (slug: string) => {
      const hunt = await (await connect()).patch<HuntState>(huntPath(slug), { freezeAt: null });
      say(`${hunt.slug}: scoreboard unfrozen; players see the live leaderboard within about a second`);
    });

  program.command('refresh').argument('[slug]', 'one hunt; without it, every hunt (a full rebuild)')
    .description('rebuild a hunt\'s published documents (or every hunt\'s) in the worker')
    .option('--wait', 'follow the job until it ends: exit 0 when it completed, 1 when it failed')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long', seconds, 120)
    .action(async (slug: string | undefined, options: { wait?: boolean; timeout: number }) => {
      const client = await connect();
      const { jobId } = await client.post<{ jobId: string }>('/v1/admin/refresh', slug === undefined ? {} : { hunt: slug });
      const what = slug === undefined ? 'full rebuild (every hunt)' : `refresh of ${slug}`;
      if (!options.wait) return say(`${what} queued as job ${jobId}`);
      process.stdout.write(`${what}, job ${jobId}: `);
      await waitForJob(client, jobId, options.timeout * 1000, (text) => process.stdout.write(text));
    });

  program.command('announce').argument('<slug>').argument('<text...>', 'the announcement (words are joined with spaces)')
    .description('post an announcement to a hunt\'s players')
    .action(async (slug: string, words: string[]) => {
      await (await connect()).post(huntPath(slug, '/announcements'), { text: words.join(' ') });
      say(`announced in ${slug}; players see it within about a second`);
    });

  program.command('standings').argument('<slug>')
    .description('the live standings, frozen or not (hidden competitors left out)')
    .option('--csv', 'the standings as CSV (rank,competitorId,name,points,cluesFound,lastFindAt), streamed')
    .action(async (slug: string, options: { csv?: boolean }) => {
      const client = await connect();
      if (options.csv) return printCsv(await client.stream(huntPath(slug, '/standings.csv')));
      // Pages of a moving ranking: a competitor may move between two pages. The CSV is read in
      // one transaction, for a consistent copy.
      const entries: BoardEntry[] = [];
      let board: Board;
      do {
        board = await client.get<Board>(huntPath(slug, `/leaderboard?limit=${BOARD_PAGE}&offset=${entries.length}`));
        entries.push(...board.entries);
      } while (board.entries.length > 0 && entries.length < board.total);
      const team = entries.some((e) => e.teamId !== undefined);
      say(`${slug}: ${entries.length} competitor${entries.length === 1 ? '' : 's'}, live at ${utcMinute(board.generatedAt)} UTC`);
      if (entries.length === 0) return;
      say(table(entries, [
        { title: 'RANK', value: (e) => e.rank },
        { title: team ? 'TEAM' : 'PLAYER', value: (e) => e.name ?? e.handle ?? '' },
        ...(team ? [{ title: 'MEMBERS', value: (e: BoardEntry) => e.memberCount ?? 0 }] : []),
        { title: 'POINTS', value: (e) => e.points },
        { title: 'CLUES', value: (e) => e.cluesFound },
        { title: 'LAST FIND (UTC)', value: (e) => utcMinute(e.lastFindAt) },
        { title: 'ID', value: (e) => e.teamId ?? e.playerId ?? '' },
      ]));
    });

  return program;
}

async function printCsv(body: ReadableStream<Uint8Array>): Promise<void> {
  try {
    await pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), process.stdout);
  } catch (err) {
    // The reader went away (`| head`): what it wanted was printed.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw new CliError(`the standings broke off: ${(err as Error).message}`);
  }
}
