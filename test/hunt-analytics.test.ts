// Organiser analytics: the stats document (materialized views refreshed by a pg-boss job), the big
// board and the standings CSV, over real HTTP and PostgreSQL. The views' figures are held against
// the same aggregates computed here, in TypeScript, from the base tables.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createLogger } from '../src/core/logger.ts';
import { startWorker } from '../src/worker/worker.ts';
import type { BigboardDocument, StatsDocument } from '../src/core/analytics-documents.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, eventually, testConfig } from './support/engine.ts';
import { engineSuite } from './support/engine-suite.ts';
import { answer, createHunt, registerPlayer, settled } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';

const T0 = new Date('2024-03-10T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

interface BaseFind { competitor_id: string; clue_id: string; hunt_id: string; found_at: Date }
interface BaseClue {
  id: string; hunt_id: string; position: number; title: string;
  unlock_after_clues: string[] | null; unlock_after_finds: number | null; unlock_after_minutes: number | null;
}

/** The figures of one hunt's stats document, computed from the base tables as documented in sql/views/hunt_clue_analytics.sql. */
async function expectedStats(pool: pg.Pool, huntId: string): Promise<Pick<StatsDocument, 'clues' | 'findsPerHour'>> {
  const hunt = (await pool.query<{ starts_at: Date | null; first_live_at: Date | null }>(
    'select starts_at, first_live_at from hunts where id = $1', [huntId])).rows[0]!;
  const started = (hunt.starts_at ?? hunt.first_live_at)!.getTime();
  const clues = (await pool.query<BaseClue>('select * from clues where hunt_id = $1 order by position', [huntId])).rows;
  const finds = (await pool.query<BaseFind>('select competitor_id, clue_id, hunt_id, found_at from finds where hunt_id = $1', [huntId])).rows;
  const wrong = (await pool.query<{ clue_id: string }>('select clue_id from submissions where hunt_id = $1 and not correct', [huntId])).rows;
  const hints = (await pool.query<{ clue_id: string }>('select clue_id from hints_taken where hunt_id = $1', [huntId])).rows;
  const byCompetitor = new Map<string, BaseFind[]>();
  for (const f of finds) byCompetitor.set(f.competitor_id, [...(byCompetitor.get(f.competitor_id) ?? []), f]);
  for (const list of byCompetitor.values()) list.sort((a, b) => a.found_at.getTime() - b.found_at.getTime() || (a.clue_id < b.clue_id ? -1 : 1));

  const opening = (f: BaseFind, clue: BaseClue): number => {
    const own = byCompetitor.get(f.competitor_id)!;
    const times = [started];
    if (clue.unlock_after_minutes !== null) times.push(started + clue.unlock_after_minutes * 60_000);
    const required = own.filter((x) => clue.unlock_after_clues?.includes(x.clue_id)).map((x) => x.found_at.getTime());
    if (required.length > 0) times.push(Math.max(...required));
    const nth = clue.unlock_after_finds === null ? undefined : own[clue.unlock_after_finds - 1];
    if (nth) times.push(nth.found_at.getTime());
    return Math.max(...times);
  };
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return Math.round((s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2) * 1000) / 1000;
  };
  const perHour = new Map<string, number>();
  for (const f of finds) {
    const hour = new Date(Math.floor(f.found_at.getTime() / 3_600_000) * 3_600_000).toISOString();
    perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
  }
  return {
    clues: clues.map((clue) => {
      const own = finds.filter((f) => f.clue_id === clue.id);
      const first = own.length ? new Date(Math.min(...own.map((f) => f.found_at.getTime()))).toISOString() : null;
      return {
        clueId: clue.id, position: clue.position, title: clue.title, finds: own.length,
        wrongGuesses: wrong.filter((w) => w.clue_id === clue.id).length,
        hintsTaken: hints.filter((h) => h.clue_id === clue.id).length,
        medianSecondsToFind: median(own.map((f) => Math.max(0, (f.found_at.getTime() - opening(f, clue)) / 1000))),
        firstFindAt: first,
      };
    }),
    findsPerHour: [...perHour].sort(([a], [b]) => (a < b ? -1 : 1)).map(([hour, n]) => ({ hour, finds: n })),
  };
}

describe('organiser analytics', () => {
  const t = engineSuite('analytics', { workerMetrics: true }, 5);
  const admin = { token: ADMIN_TOKEN };

  const huntIdOf = async (slug: string) => (await t.pool.query('select id from hunts where slug = $1', [slug])).rows[0].id as string;

  /** POST /v1/admin/refresh {"stats": true}, then GET /v1/admin/jobs/:id until it completed; its output. */
  async function refreshStatsJob(): Promise<{ hunts: number; concurrently: boolean; viewsMs: Record<string, number> }> {
    const queued = await t.client.post('/v1/admin/refresh', { stats: true }, admin);
    expect(queued.status, queued.text).to.equal(202);
    expect(queued.body.jobId).to.be.a('string');
    const job = await eventually(async () => {
      const res = await t.client.get(`/v1/admin/jobs/${queued.body.jobId}`, admin);
      expect(res.status, res.text).to.equal(200);
      if (res.body.state === 'failed') throw new Error(`the stats refresh failed: ${JSON.stringify(res.body.output)}`);
      return res.body.state === 'completed' ? res.body : undefined;
    }, 'the stats refresh job completed');
    expect(job.name).to.equal('stats-refresh');
    return job.output;
  }

  /** A live hunt with rules and hints whose finds, guesses and hints are written with chosen times. */
  async function seedTimedHunt(slug: string) {
    const hunt = await createHunt(t.client, slug, [
      { title: 'Harbour', answers: ['a1'], hints: [{ text: 'look left', cost: 2 }, { text: 'look down', cost: 3 }] },
      { title: 'Bridge', answers: ['a2'], unlock: { afterClues: [1] } },
      { title: 'Tower', answers: ['a3'], unlock: { afterFinds: 2 } },
      { title: 'Chapel', answers: ['a4'], unlock: { afterMinutes: 30 } },
      { title: 'Crypt', answers: ['a5'] },
    ]);
    const huntId = await huntIdOf(slug);
    await t.pool.query('update hunts set starts_at = $2, first_live_at = $2 where id = $1', [huntId, T0]);
    const players = [];
    for (const handle of ['ana', 'ben', 'cyd', 'dot']) players.push(await registerPlayer(t.client, `${slug.slice(0, 10)}_${handle}`));
    const [p1, p2, p3, p4] = players as [typeof players[0], typeof players[0], typeof players[0], typeof players[0]];
    for (const p of players) {
      await t.pool.query('insert into competitors (hunt_id, competitor_id, name, hidden) values ($1, $2, $3, $4)', [huntId, p.id, p.handle, p === p4]);
    }
    const clue = (position: number) => hunt.clues.find((c) => c.position === position)!.id;
    // Minutes after the start: spread over four UTC hours.
    const finds: [typeof p1, number, number][] = [
      [p1, 1, 10], [p1, 2, 25], [p1, 3, 70], [p1, 4, 95],
      [p2, 1, 40], [p2, 2, 41.5], [p2, 4, 130], [p2, 3, 200],
      [p3, 1, 5], [p3, 4, 31], [p3, 3, 61],
      [p4, 1, 100], [p4, 2, 100],
    ];
    for (const [p, position, minutes] of finds) {
      await t.pool.query(
        `insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at) values ($1, $2, $3, $1, 10, $4)`,
        [p.id, clue(position), huntId, at(minutes)]);
    }
    const wrong: [typeof p1, number][] = [[p1, 1], [p1, 1], [p2, 1], [p3, 3], [p1, 5], [p2, 5], [p3, 5], [p4, 5]];
    for (const [p, position] of wrong) {
      await t.pool.query(
        `insert into submissions (hunt_id, clue_id, player_id, key_id, guess_hash, correct, submitted_at) values ($1, $2, $3, 'k', $4, false, $5)`,
        [huntId, clue(position), p.id, randomBytes(32), at(1)]);
    }
    for (const [p, n] of [[p1, 1], [p1, 2], [p2, 1], [p3, 1]] as const) {
      await t.pool.query('insert into hints_taken (competitor_id, clue_id, n, hunt_id, player_id, taken_at) values ($1, $2, $3, $4, $1, $5)',
        [p.id, clue(1), n, huntId, at(2)]);
    }
    return { hunt, huntId, players, clue };
  }

  it('answers 200 with generatedAt null and no rows before the first stats refresh', async () => {
    await createHunt(t.client, 'before-stats', [{ answers: ['x'] }]);
    const stats = await t.client.get('/v1/admin/hunts/before-stats/stats', admin);
    expect(stats.status, stats.text).to.equal(200);
    expect(stats.headers.get('content-type')).to.match(/^application\/json/);
    expect(stats.headers.get('cache-control')).to.equal('private, no-store');
    expect(stats.body).to.deep.equal({ hunt: 'before-stats', generatedAt: null, clues: [], findsPerHour: [] });
    const board = await t.client.get('/v1/admin/hunts/before-stats/bigboard', admin);
    expect(board.status, board.text).to.equal(200);
    expect(board.body).to.deep.equal({ hunt: 'before-stats', generatedAt: null, clues: [], competitors: [] });
  });

  it('refuses the analytics routes without the admin token (401) and unknown hunts (404 not_found)', async () => {
    for (const path of ['/v1/admin/hunts/before-stats/stats', '/v1/admin/hunts/before-stats/bigboard', '/v1/admin/hunts/before-stats/standings.csv']) {
      const anonymous = await t.client.get(path);
      expect(anonymous.status, path).to.equal(401);
      expect(anonymous.body.error).to.equal('unauthorized');
      const wrong = await t.client.get(path, { token: 'not-the-admin-token-0123456789' });
      expect(wrong.status, path).to.equal(401);
      const missing = await t.client.get(path.replace('before-stats', 'no-such-hunt'), admin);
      expect(missing.status, path).to.equal(404);
      expect(missing.body).to.include({ error: 'not_found' });
      expect(missing.body.message).to.be.a('string');
    }
    const refresh = await t.client.post('/v1/admin/refresh', { stats: true });
    expect(refresh.status).to.equal(401);
  });

  it('refuses a refresh body that is not what the route takes (400 invalid_body)', async () => {
    for (const body of [{ stats: 'yes' }, { stats: true, hunt: 'before-stats' }, { stats: true, extra: 1 }]) {
      const res = await t.client.post('/v1/admin/refresh', body, admin);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error).to.equal('invalid_body');
    }
  });

  it('follows a stats refresh job to completed, after which the stats carry its generatedAt', async () => {
    const before = Date.now();
    const output = await refreshStatsJob();
    expect(output.hunts).to.be.at.least(1);
    expect(Object.keys(output.viewsMs)).to.have.members(['hunt_clue_analytics', 'hunt_finds_per_hour', 'hunt_bigboard_cells']);
    const stats = await t.client.get('/v1/admin/hunts/before-stats/stats', admin);
    expect(stats.status).to.equal(200);
    expect(Date.parse(stats.body.generatedAt)).to.be.within(before - 5000, Date.now());
    expect(stats.body.clues).to.have.length(1);
    expect(stats.body.clues[0]).to.include({ position: 1, title: 'Clue 1', finds: 0, wrongGuesses: 0, hintsTaken: 0, medianSecondsToFind: null, firstFindAt: null });
    // The views are populated now: the next refresh is CONCURRENTLY.
    expect((await refreshStatsJob()).concurrently).to.equal(true);
  });

  it('computes per-clue finds, wrong guesses, hints, median seconds from opening and first find, and finds per hour, equal to the base tables', async () => {
    const { huntId, clue } = await seedTimedHunt('timed-analytics');
    // Another hunt's activity must not leak into this one's figures.
    const other = await createHunt(t.client, 'other-analytics', [{ answers: ['o1'] }]);
    const stranger = await registerPlayer(t.client, 'stranger');
    expect((await answer(t.client, 'other-analytics', other.clues[0]!.id, stranger.token, 'o1')).body.correct).to.equal(true);
    await answer(t.client, 'other-analytics', other.clues[0]!.id, stranger.token, 'nope');

    await refreshStatsJob();
    const res = await t.client.get<StatsDocument>('/v1/admin/hunts/timed-analytics/stats', admin);
    expect(res.status).to.equal(200);
    const expected = await expectedStats(t.pool, huntId);
    expect(res.body.hunt).to.equal('timed-analytics');
    expect(res.body.clues).to.deep.equal(expected.clues);
    expect(res.body.findsPerHour).to.deep.equal(expected.findsPerHour);

    // The same figures worked out by hand from the seeded times (see seedTimedHunt), so a shared
    // misreading of the rules cannot pass both.
    const byPosition = (p: number) => res.body.clues.find((c) => c.position === p)!;
    expect(byPosition(1)).to.deep.include({ finds: 4, wrongGuesses: 3, hintsTaken: 4, medianSecondsToFind: 1500, firstFindAt: at(5).toISOString() });
    expect(byPosition(2)).to.deep.include({ finds: 3, medianSecondsToFind: 90 }); // afterClues: 900, 90, 0 s
    expect(byPosition(3)).to.deep.include({ finds: 3, wrongGuesses: 1, medianSecondsToFind: 2700 }); // afterFinds 2: 2700, 9510, 1800 s
    expect(byPosition(4)).to.deep.include({ finds: 3, medianSecondsToFind: 3900 }); // afterMinutes 30: 3900, 6000, 60 s
    expect(byPosition(5)).to.deep.include({ finds: 0, wrongGuesses: 4, hintsTaken: 0, medianSecondsToFind: null, firstFindAt: null });
    expect(res.body.findsPerHour).to.deep.equal([
      { hour: '2024-03-10T09:00:00.000Z', finds: 6 }, { hour: '2024-03-10T10:00:00.000Z', finds: 5 },
      { hour: '2024-03-10T11:00:00.000Z', finds: 1 }, { hour: '2024-03-10T12:00:00.000Z', finds: 1 },
    ]);

    // A new find shows after the next refresh, not before: the document is precomputed.
    const [, , , dot] = (await t.pool.query<{ competitor_id: string }>(
      'select competitor_id from competitors where hunt_id = $1 order by name', [huntId])).rows;
    await t.pool.query(`insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at) values ($1, $2, $3, $1, 10, $4)`,
      [dot!.competitor_id, clue(5), huntId, at(150)]);
    expect((await t.client.get<StatsDocument>('/v1/admin/hunts/timed-analytics/stats', admin)).body.clues[4]!.finds).to.equal(0);
    await refreshStatsJob();
    const after = await t.client.get<StatsDocument>('/v1/admin/hunts/timed-analytics/stats', admin);
    expect(after.body.clues).to.deep.equal((await expectedStats(t.pool, huntId)).clues);
    expect(after.body.clues[4]).to.deep.include({ finds: 1, medianSecondsToFind: 150 * 60, firstFindAt: at(150).toISOString() });
  });

  it('lays out every competitor against every clue on the big board, hidden ones flagged', async () => {
    const huntId = await huntIdOf('timed-analytics');
    const res = await t.client.get<BigboardDocument>('/v1/admin/hunts/timed-analytics/bigboard', admin);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('private, no-store');
    const stats = await t.client.get<StatsDocument>('/v1/admin/hunts/timed-analytics/stats', admin);
    expect(res.body.generatedAt).to.equal(stats.body.generatedAt);
    expect(res.body.clues.map((c) => c.position)).to.deep.equal([1, 2, 3, 4, 5]);
    const competitors = (await t.pool.query<{ competitor_id: string; name: string; hidden: boolean }>(
      'select competitor_id, name, hidden from competitors where hunt_id = $1 order by name', [huntId])).rows;
    expect(res.body.competitors.map((c) => [c.competitorId, c.name, c.hidden])).to.deep.equal(competitors.map((c) => [c.competitor_id, c.name, c.hidden]));
    expect(res.body.competitors.filter((c) => c.hidden)).to.have.length(1);
    // Every cell against the base tables.
    const finds = (await t.pool.query<{ competitor_id: string; clue_id: string; found_at: Date }>('select * from finds where hunt_id = $1', [huntId])).rows;
    const hints = (await t.pool.query<{ competitor_id: string; clue_id: string }>('select * from hints_taken where hunt_id = $1', [huntId])).rows;
    const wrong = (await t.pool.query<{ player_id: string; clue_id: string }>('select * from submissions where hunt_id = $1 and not correct', [huntId])).rows;
    for (const competitor of res.body.competitors) {
      expect(competitor.cells.map((c) => c.clueId)).to.deep.equal(res.body.clues.map((c) => c.clueId));
      for (const cell of competitor.cells) {
        const find = finds.find((f) => f.competitor_id === competitor.competitorId && f.clue_id === cell.clueId);
        expect(cell, `${competitor.name} ${cell.clueId}`).to.deep.equal({
          clueId: cell.clueId, foundAt: find?.found_at.toISOString() ?? null,
          hintsTaken: hints.filter((h) => h.competitor_id === competitor.competitorId && h.clue_id === cell.clueId).length,
          wrongGuesses: wrong.filter((w) => w.player_id === competitor.competitorId && w.clue_id === cell.clueId).length,
        });
      }
      expect(competitor.cluesFound).to.equal(finds.filter((f) => f.competitor_id === competitor.competitorId).length);
    }
    const ana = res.body.competitors.find((c) => c.name.endsWith('_ana'))!;
    expect(ana.cells[0]).to.deep.equal({ clueId: res.body.clues[0]!.clueId, foundAt: at(10).toISOString(), hintsTaken: 2, wrongGuesses: 2 });
  });

  it('streams the standings as CSV, ranked like the public leaderboard, names quoted and defused', async () => {
    const hunt = await createHunt(t.client, 'csv-teams', [{ answers: ['c1'], points: 10 }, { answers: ['c2'], points: 20 }], { mode: 'team', maxTeamSize: 2 });
    const names = ['Smith, "The Hammer"', '=HYPERLINK("http://x")', '+Plus', 'Plain team', 'Line\nbreak'];
    const teams: { id: string; name: string; token: string }[] = [];
    for (const [i, name] of names.entries()) {
      const player = await registerPlayer(t.client, `csv_member_${i}`);
      const created = await t.client.post('/v1/hunts/csv-teams/teams', { name }, { token: player.token });
      expect(created.status, created.text).to.equal(201);
      teams.push({ id: created.body.id, name, token: player.token });
    }
    // Different points and times; the plain team finds nothing (not ranked).
    for (const [i, team] of teams.entries()) {
      if (team.name === 'Plain team') continue;
      expect((await answer(t.client, 'csv-teams', hunt.clues[0]!.id, team.token, 'c1')).body.correct).to.equal(true);
      if (i % 2 === 0) expect((await answer(t.client, 'csv-teams', hunt.clues[1]!.id, team.token, 'c2')).body.correct).to.equal(true);
    }
    const huntId = await huntIdOf('csv-teams');
    await eventually(async () => (await settled(t.pool, t.client, huntId)) ? true : undefined, 'standings published');
    const board = (await t.client.get('/v1/hunts/csv-teams/leaderboard?limit=100')).body;
    expect(board.entries).to.have.length(4);

    const res = await t.client.get('/v1/admin/hunts/csv-teams/standings.csv', admin);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).to.equal('private, no-store');
    const csvName = (name: string) => {
      const defused = /^[=+\-@]/.test(name) ? `'${name}` : name;
      return /[",\n]/.test(defused) ? `"${defused.replaceAll('"', '""')}"` : defused;
    };
    const expected = ['rank,competitorId,name,points,cluesFound,lastFindAt',
      ...board.entries.map((e: { rank: number; teamId: string; name: string; points: number; cluesFound: number; lastFindAt: string }) =>
        `${e.rank},${e.teamId},${csvName(e.name)},${e.points},${e.cluesFound},${e.lastFindAt}`)];
    expect(res.text).to.equal(`${expected.join('\r\n')}\r\n`);
    // Spelled out for the names that need it.
    expect(res.text).to.include(',"Smith, ""The Hammer""",');
    expect(res.text).to.include(`,"'=HYPERLINK(""http://x"")",`);
    expect(res.text).to.include(",'+Plus,");
    expect(res.text).to.include(',"Line\nbreak",');

    // Hidden competitors are not in the public standings, nor in the CSV.
    await t.pool.query('update competitors set hidden = true where hunt_id = $1 and competitor_id = $2', [huntId, teams[2]!.id]);
    const hidden = await t.client.get('/v1/admin/hunts/csv-teams/standings.csv', admin);
    expect(hidden.text).to.not.include(teams[2]!.id);
    expect(hidden.text.trimEnd().split('\r\n')).to.have.length(4);
  });

  it('streams thousands of standings rows in order, in several batches', async () => {
    await createHunt(t.client, 'csv-crowd', [{ answers: ['z'], points: 5 }]);
    const huntId = await huntIdOf('csv-crowd');
    const clueId = (await t.pool.query('select id from clues where hunt_id = $1', [huntId])).rows[0].id as string;
    const n = 2500;
    await t.pool.query(
      `with p as (
         insert into players (handle, display_name, token_hash)
         select 'crowd_' || i, 'crowd ' || i, sha256(('crowd-' || i)::bytea) from generate_series(1, $1) i returning id, handle
       ), c as (
         insert into competitors (hunt_id, competitor_id, name) select $2, id, handle from p returning competitor_id
       )
       insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at)
       select competitor_id, $3, $2, competitor_id, 5, $4::timestamptz + (row_number() over (order by competitor_id) % 700) * interval '1 second'
         from c`, [n, huntId, clueId, T0]);
    const res = await t.client.get('/v1/admin/hunts/csv-crowd/standings.csv', admin);
    expect(res.status).to.equal(200);
    const lines = res.text.trimEnd().split('\r\n').slice(1);
    expect(lines).to.have.length(n);
    const standings = (await t.pool.query<{ rank: number; competitor_id: string }>(
      'select rank, competitor_id from hunt_standings where hunt_id = $1 order by position', [huntId])).rows;
    expect(lines.map((l) => l.split(',').slice(0, 2).join(','))).to.deep.equal(standings.map((s) => `${s.rank},${s.competitor_id}`));
    // Ties share a rank (700 distinct find times for 2,500 competitors).
    expect(new Set(lines.map((l) => l.split(',')[0])).size).to.equal(700);
  });

  it('exports the live hunts\' figures as metrics labelled by hunt only', async () => {
    const stats = (await t.client.get<StatsDocument>('/v1/admin/hunts/timed-analytics/stats', admin)).body;
    const text = (await new Client(`http://127.0.0.1:${t.engine.worker!.metricsPort}`).get('/metrics')).text;
    const sum = (key: 'finds' | 'wrongGuesses' | 'hintsTaken') => stats.clues.reduce((s, c) => s + c[key], 0);
    expect(sample(text, 'treasure_hunt_stats_finds', { hunt: 'timed-analytics' })).to.equal(sum('finds'));
    expect(sample(text, 'treasure_hunt_stats_wrong_guesses', { hunt: 'timed-analytics' })).to.equal(sum('wrongGuesses'));
    expect(sample(text, 'treasure_hunt_stats_hints_taken', { hunt: 'timed-analytics' })).to.equal(sum('hintsTaken'));
    expect(sample(text, 'treasure_hunt_stats_slowest_clue_median_seconds', { hunt: 'timed-analytics' }))
      .to.equal(Math.max(...stats.clues.map((c) => c.medianSecondsToFind ?? 0)));
    for (const line of text.split('\n').filter((l) => l.startsWith('treasure_hunt_stats_'))) {
      // The hunt, and the registry's own process label: nothing per clue or competitor.
      expect(line, 'labels: the hunt').to.match(/^treasure_hunt_stats_[a-z_]+\{hunt="[a-z0-9-]+",process="worker"\} /);
    }
    // Ended hunts drop out.
    expect(text).to.include('treasure_hunt_stats_finds{hunt="other-analytics",process="worker"}');
    const ended = await t.client.patch('/v1/admin/hunts/other-analytics', { status: 'ended' }, admin);
    expect(ended.status, ended.text).to.equal(200);
    const later = (await new Client(`http://127.0.0.1:${t.engine.worker!.metricsPort}`).get('/metrics')).text;
    expect(later.split('\n').filter((l) => l.startsWith('treasure_hunt_stats_') && l.includes('hunt="other-analytics"'))).to.deep.equal([]);
    expect(later).to.include('treasure_hunt_stats_finds{hunt="timed-analytics",process="worker"}');
  });

  it('refreshes the stats by itself every STATS_REFRESH_SECONDS', async () => {
    const config = testConfig(t.db.url, { statsRefreshSeconds: 1 });
    const worker = await startWorker(config, { schedule: true, log: createLogger('worker', config.logLevel) });
    try {
      const generatedAt = async () => (await t.client.get<StatsDocument>('/v1/admin/hunts/before-stats/stats', admin)).body.generatedAt!;
      const first = await generatedAt();
      const second = await eventually(async () => { const g = await generatedAt(); return g > first ? g : undefined; }, 'a scheduled refresh');
      await eventually(async () => ((await generatedAt()) > second ? true : undefined), 'the next scheduled refresh');
      const scheduled = await t.pool.query(`select count(*)::int as n from pgboss.job where name = 'stats-refresh' and data->>'reason' = 'schedule' and state = 'completed'`);
      expect(scheduled.rows[0].n).to.be.at.least(2);
    } finally {
      await worker.stop();
    }
  });
});
