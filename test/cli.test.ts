// thunt, the admin CLI, run as organisers run it: a child process (bin/thunt.js) talking HTTP to a
// real engine (API and worker) with THUNT_URL and THUNT_ADMIN_TOKEN. Every change it makes is
// checked through the API, not through its own output.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { ADMIN_TOKEN, eventually } from './support/engine.ts';
import { engineSuite } from './support/engine-suite.ts';
import { answer, registerPlayer } from './support/fixtures.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const THUNT = path.join(ROOT, 'bin/thunt.js');

interface Run { code: number; stdout: string; stderr: string }

/** A command with env added to ours (undefined removes a variable); resolves whatever its exit status. */
function run(file: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const merged: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: merged, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** thunt as organisers run it, on this Node, against `url` with the test engines' admin token. */
const thuntAt = (url: string, args: string[], env: Record<string, string | undefined> = {}) =>
  run(process.execPath, [THUNT, ...args], { THUNT_URL: url, THUNT_ADMIN_TOKEN: ADMIN_TOKEN, ...env });

describe('thunt, the admin CLI, against a real engine', function () {
  this.timeout(60_000);
  const t = engineSuite('cli');
  let scratch: string;

  before(async () => { scratch = await mkdtemp(path.join(os.tmpdir(), 'thunt-test-')); });
  after(async () => { if (scratch) await rm(scratch, { recursive: true, force: true }); });

  const thunt = (args: string[], env: Record<string, string | undefined> = {}) => thuntAt(t.engine.url, args, env);

  const ok = (result: Run) => {
    expect(result.code, `exit ${result.code}, stderr: ${result.stderr}`).to.equal(0);
    expect(result.stderr).to.equal('');
    return result.stdout;
  };
  /** A failed command: one line on stderr, nothing on stdout, exit status 1. */
  const failed = (result: Run) => {
    expect(result.code, `stdout: ${result.stdout}`).to.equal(1);
    expect(result.stdout).to.equal('');
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines, result.stderr).to.have.length(1);
    return lines[0]!;
  };
  const definition = async (slug: string) => {
    const res = await t.client.get(`/v1/admin/hunts/${slug}`, { token: ADMIN_TOKEN });
    expect(res.status, res.text).to.equal(200);
    return res.body;
  };
  const example = async (file: string) => parse(await readFile(path.join(ROOT, 'examples', file), 'utf8'));

  it('creates the example hunts from YAML, exactly as written, and lists them', async () => {
    for (const file of ['solo-hunt.yaml', 'team-hunt.yaml']) {
      const yaml = await example(file);
      const out = ok(await thunt(['hunt', 'create', `examples/${file}`]));
      expect(out).to.match(new RegExp(`^created ${yaml.slug} \\(draft, ${yaml.clues.length} clues\\)`));
      const hunt = await definition(yaml.slug);
      expect(hunt).to.include({ title: yaml.title, status: 'draft', mode: yaml.mode ?? 'solo' });
      expect(hunt.clues.map((c: any) => [c.title, c.body, c.points, c.acceptedAnswers, c.hints]))
        .to.deep.equal(yaml.clues.map((c: any) => [c.title, c.body, c.points, c.answers.length, c.hints ?? []]));
      expect(hunt.clues.map((c: any) => c.unlock)).to.deep.equal(yaml.clues.map((c: any) => c.unlock
        ? { afterClues: c.unlock.afterClues ?? [], afterFinds: c.unlock.afterFinds ?? null, afterMinutes: c.unlock.afterMinutes ?? null }
        : null));
    }
    // The team example shows each kind of unlock rule, hints and the first-finder bonus.
    const team = await definition('harbour-relay');
    expect(team).to.include({ mode: 'team', maxTeamSize: 4 });
    expect(team.firstFinderBonus).to.deep.equal([10, 5, 2]);
    const rules = team.clues.map((c: any) => c.unlock).filter(Boolean);
    expect(rules.some((u: any) => u.afterClues.length > 0)).to.equal(true);
    expect(rules.some((u: any) => u.afterFinds !== null)).to.equal(true);
    expect(rules.some((u: any) => u.afterMinutes !== null)).to.equal(true);
    expect(team.clues.some((c: any) => c.hints.length > 0)).to.equal(true);

    const list = ok(await thunt(['hunt', 'list']));
    const [header, ...rows] = list.trimEnd().split('\n');
    expect(header).to.match(/^SLUG\s+STATUS\s+MODE\s+CLUES\s+COMPETITORS/);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 4))).to.deep.equal([
      ['harbour-relay', 'draft', 'team', '6'], ['office-hunt', 'draft', 'solo', '5'],
    ]);
    const json = JSON.parse(ok(await thunt(['hunt', 'list', '--json'])));
    expect(json.hunts.map((h: any) => h.slug)).to.deep.equal(['harbour-relay', 'office-hunt']);
  });

  it('opens, freezes, unfreezes and ends a hunt', async () => {
    expect(ok(await thunt(['hunt', 'live', 'office-hunt']))).to.equal('office-hunt is live\n');
    expect((await definition('office-hunt')).status).to.equal('live');
    await eventually(async () => (await t.client.get('/v1/hunts/office-hunt')).status === 200 || undefined, 'the public hunt');

    const before = Date.now();
    expect(ok(await thunt(['hunt', 'freeze', 'office-hunt']))).to.match(/^office-hunt: scoreboard frozen at /);
    const frozenAt = (await definition('office-hunt')).freezeAt;
    expect(Date.parse(frozenAt)).to.be.within(before - 1000, Date.now());
    await eventually(async () => (await t.client.get('/v1/hunts/office-hunt/leaderboard')).body?.frozen === true || undefined, 'a frozen leaderboard');
    // Freezing again keeps the freeze where it was: moving it would reveal the finds since.
    expect(ok(await thunt(['hunt', 'freeze', 'office-hunt']))).to.match(/already frozen/);
    expect((await definition('office-hunt')).freezeAt).to.equal(frozenAt);

    expect(ok(await thunt(['hunt', 'unfreeze', 'office-hunt']))).to.match(/^office-hunt: scoreboard unfrozen/);
    expect((await definition('office-hunt')).freezeAt).to.equal(null);
    await eventually(async () => (await t.client.get('/v1/hunts/office-hunt/leaderboard')).body?.frozen === false || undefined, 'an unfrozen leaderboard');

    ok(await thunt(['hunt', 'live', 'harbour-relay']));
    expect(ok(await thunt(['hunt', 'end', 'harbour-relay']))).to.equal('harbour-relay has ended\n');
    expect((await definition('harbour-relay')).status).to.equal('ended');
    // Reopened with an end: the API takes both in one request.
    expect(ok(await thunt(['hunt', 'live', 'harbour-relay', '--ends-at', '2099-01-01T00:00:00Z'])))
      .to.equal('harbour-relay is live; it ends at 2099-01-01 00:00 UTC\n');
    expect(await definition('harbour-relay')).to.include({ status: 'live', endsAt: '2099-01-01T00:00:00.000Z' });
  });

  it('announces to players, and follows a refresh until it completes', async () => {
    expect(ok(await thunt(['announce', 'office-hunt', 'Coffee', 'break', 'at', 'three!']))).to.match(/^announced in office-hunt/);
    await eventually(async () => {
      const res = await t.client.get('/v1/hunts/office-hunt');
      return res.body?.announcements?.[0]?.text === 'Coffee break at three!' || undefined;
    }, 'the announcement in the hunt document');

    const waited = ok(await thunt(['refresh', 'office-hunt', '--wait']));
    // One line: every state seen, in order, ending in completed.
    const [, jobId] = /^refresh of office-hunt, job ([0-9a-f-]{36}): ((created|retry|active) -> )*completed\n$/.exec(waited) ?? [];
    expect(jobId, waited).to.be.a('string');
    expect((await t.client.get(`/v1/admin/jobs/${jobId}`, { token: ADMIN_TOKEN })).body.state).to.equal('completed');

    const queued = ok(await thunt(['refresh']));
    expect(queued).to.match(/^full rebuild \(every hunt\) queued as job [0-9a-f-]{36}\n$/);
  });

  it('prints the live standings as a table and as CSV', async () => {
    const alice = await registerPlayer(t.client, 'alice-cli');
    const bob = await registerPlayer(t.client, 'bob-cli');
    const { clues } = await definition('office-hunt');
    expect((await answer(t.client, 'office-hunt', clues[0].id, alice.token, 'Coffee Machine')).body.correct).to.equal(true);
    expect((await answer(t.client, 'office-hunt', clues[1].id, alice.token, 'doorbell')).body.correct).to.equal(true);
    expect((await answer(t.client, 'office-hunt', clues[0].id, bob.token, 'espresso machine')).body.correct).to.equal(true);

    const csv = ok(await thunt(['standings', 'office-hunt', '--csv'])).split('\r\n');
    expect(csv[0]).to.equal('rank,competitorId,name,points,cluesFound,lastFindAt');
    expect(csv.slice(1, 3).map((line) => line.split(',').slice(0, 5))).to.deep.equal([
      ['1', alice.id, 'alice-cli', '25', '2'], ['2', bob.id, 'bob-cli', '10', '1'],
    ]);
    expect(csv.slice(3)).to.deep.equal(['']);

    const lines = ok(await thunt(['standings', 'office-hunt'])).trimEnd().split('\n');
    expect(lines[0]).to.match(/^office-hunt: 2 competitors, live at /);
    expect(lines[1]).to.match(/^RANK\s+PLAYER\s+POINTS\s+CLUES\s+LAST FIND \(UTC\)\s+ID$/);
    expect(lines.slice(2).map((l) => l.trim().split(/\s+/))).to.deep.equal([
      ['1', 'alice-cli', '25', '2', ...lines[2]!.trim().split(/\s+/).slice(4, 6), alice.id],
      ['2', 'bob-cli', '10', '1', ...lines[3]!.trim().split(/\s+/).slice(4, 6), bob.id],
    ]);
  });

  it('shows an API error as one line with its status and code, and exits 1', async () => {
    expect(failed(await thunt(['hunt', 'create', 'examples/solo-hunt.yaml'])))
      .to.equal('thunt: a hunt with this slug already exists (409 slug_taken)');
    expect(failed(await thunt(['hunt', 'list'], { THUNT_ADMIN_TOKEN: 'not-the-admin-token-0123456789' })))
      .to.equal('thunt: the admin token is required (401 unauthorized)');
    expect(failed(await thunt(['hunt', 'live', 'no-such-hunt']))).to.match(/^thunt: .+ \(404 not_found\)$/);
    expect(failed(await thunt(['standings', 'no-such-hunt', '--csv']))).to.match(/^thunt: .+ \(404 not_found\)$/);
    // What the server checks is left to it: its message names the field.
    const untitled = path.join(scratch, 'untitled.yaml');
    await writeFile(untitled, 'slug: untitled\nclues: []\n');
    expect(failed(await thunt(['hunt', 'create', untitled]))).to.match(/^thunt: title: .+ \(400 invalid_body\)$/);
  });

  it('says what is wrong with a hunt file before sending it', async () => {
    expect(failed(await thunt(['hunt', 'create', 'examples/no-such.yaml']))).to.equal('thunt: cannot read examples/no-such.yaml: no such file');
    const broken = path.join(scratch, 'broken.yaml');
    await writeFile(broken, 'slug: broken\ntitle: [unclosed\nclues:\n');
    expect(failed(await thunt(['hunt', 'create', broken]))).to.match(new RegExp(`^thunt: ${broken} is not valid YAML: .+ at line \\d+, column \\d+$`));
    const list = path.join(scratch, 'list.yaml');
    await writeFile(list, '- slug: a\n- slug: b\n');
    expect(failed(await thunt(['hunt', 'create', list]))).to.match(/expected the hunt's fields .+ found a list$/);
    // None of them reached the engine.
    expect((await t.client.get('/v1/admin/hunts/broken', { token: ADMIN_TOKEN })).status).to.equal(404);
  });

  it('says when the engine cannot be reached or no token is found, and exits 2 on a usage error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    expect(failed(await thunt(['hunt', 'list'], { THUNT_URL: `http://127.0.0.1:${port}` })))
      .to.equal(`thunt: cannot reach the engine at http://127.0.0.1:${port} (ECONNREFUSED): is it running? Start it with npm start, or set THUNT_URL`);

    // Without THUNT_ADMIN_TOKEN: the token npm start keeps in DATA_DIR (.data by default).
    await writeFile(path.join(scratch, 'admin-token'), ADMIN_TOKEN + '\n');
    expect(ok(await thunt(['hunt', 'list'], { THUNT_ADMIN_TOKEN: undefined, DATA_DIR: scratch }))).to.match(/office-hunt/);
    const empty = await mkdtemp(path.join(os.tmpdir(), 'thunt-empty-'));
    try {
      expect(failed(await thunt(['hunt', 'list'], { THUNT_ADMIN_TOKEN: undefined, DATA_DIR: empty })))
        .to.match(/^thunt: no admin token: set THUNT_ADMIN_TOKEN, or run npm start once in this checkout to create .*admin-token$/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }

    const usage = await thunt(['hunt', 'frobnicate', 'office-hunt']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/^thunt: unknown command 'frobnicate'/);
    expect((await thunt(['refresh', '--wait', '--timeout', 'soon'])).code).to.equal(2);
  });

  it('runs as `npx thunt` in the checkout', async () => {
    const npx = await run('npx', ['--no-install', 'thunt', 'hunt', 'list'], { THUNT_URL: t.engine.url, THUNT_ADMIN_TOKEN: ADMIN_TOKEN });
    // stderr may carry npm's own warnings (an old system Node running npx).
    expect(npx.code, npx.stderr).to.equal(0);
    expect(npx.stdout).to.match(/^SLUG\s+STATUS/).and.to.match(/office-hunt/);
  });
});

describe('thunt refresh --wait with no worker to run the job', function () {
  this.timeout(60_000);
  const t = engineSuite('cli_no_worker', { worker: false });

  it('gives up after --timeout, says the job carries on, and exits 1', async () => {
    const waited = await thuntAt(t.engine.url, ['refresh', '--wait', '--timeout', '0.8']);
    expect(waited.code).to.equal(1);
    const [, jobId] = /^full rebuild \(every hunt\), job ([0-9a-f-]{36}): created\n$/.exec(waited.stdout) ?? [];
    expect(jobId, waited.stdout).to.be.a('string');
    expect(waited.stderr).to.equal(`thunt: job ${jobId} is still created after 0.8 s; it carries on without thunt (see GET /v1/admin/jobs/${jobId})\n`);
  });
});
