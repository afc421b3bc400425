// Property: whatever sequence of answers players send (right, wrong, repeated, concurrent, across
// several hunts), once the engine settles every served leaderboard and progress document equals
// the ranking computed directly from the base tables. Sequences come from a seeded generator, so
// a failure names the seed that reproduces it (PROPERTY_SEED=<n> npm test). The same holds for a
// team hunt (teams formed and changed, members answering, hints bought for the team) and a solo
// hunt with hints: hint costs are negative score events, points have no floor.
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client, type Reply } from './support/client.ts';
import { seededRandom } from './support/seeded-random.ts';
import { eventually, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, settled, type ClueSpec } from './support/fixtures.ts';
import { referenceRanking } from './support/reference-ranking.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('standings property', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('property');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 3, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  const seeds = process.env.PROPERTY_SEED ? [Number(process.env.PROPERTY_SEED)] : [11, 29, 47];
  for (const seed of seeds) {
    it(`serves standings equal to the base tables after random answer sequences (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const hunts: { spec: { answers: string[]; points: number }[]; created: Awaited<ReturnType<typeof createHunt>> }[] = [];
      for (let h = 0; h < 3; h++) {
        const clues = Array.from({ length: 2 + Math.floor(rnd() * 4) }, (_, c) => ({ answers: [`s${seed} h${h} c${c}`], points: 1 + Math.floor(rnd() * 4) * 5 }));
        hunts.push({ spec: clues, created: await createHunt(client, `prop-${seed}-${h}`, clues) });
      }
      const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(client, `p${seed}_${i}`)));

      // Rounds of concurrent answers: right (in varied spellings), wrong, repeats of either.
      for (let round = 0; round < 8; round++) {
        const batch = Array.from({ length: 25 }, () => {
          const hunt = pick(hunts);
          const c = Math.floor(rnd() * hunt.spec.length);
          const right = hunt.spec[c]!.answers[0]!;
          const text = rnd() < 0.55 ? pick([right, right.toUpperCase(), ` ${right.replaceAll(' ', '-')}!`]) : `wrong ${Math.floor(rnd() * 3)}`;
          return { hunt, clueId: hunt.created.clues[c]!.id, player: pick(players), text };
        });
        // Some requests are sent twice at once: concurrent duplicates.
        const doubled = batch.flatMap((b) => (rnd() < 0.2 ? [b, b] : [b]));
        const replies = await Promise.all(doubled.map((b) => answer(client, b.hunt.created.slug, b.clueId, b.player.token, b.text)));
        for (const reply of replies) expect(reply.status, reply.text).to.equal(200);
      }

      for (const hunt of hunts) {
        const huntId = (await pool.query('select id from hunts where slug = $1', [hunt.created.slug])).rows[0].id as string;
        const reference = await referenceRanking(pool, huntId);
        // Settled: nothing dirty for this hunt, every publish installed, and what is served is what the tables say.
        const served = await eventually(async () => {
          if (!await settled(pool, client, huntId)) return undefined;
          const res = await client.get(`/v1/hunts/${hunt.created.slug}/leaderboard?limit=100`);
          return res.body.total === reference.entries.length ? res.body : undefined;
        }, `hunt ${hunt.created.slug} settled`);
        expect(served.entries, `leaderboard of ${hunt.created.slug}`).to.deep.equal(reference.entries);
        for (const player of players) {
          const res = await client.get(`/v1/hunts/${hunt.created.slug}/players/${player.id}`);
          const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
          expect(leaderboardVersion, 'rank read from the served leaderboard').to.equal(served.version);
          const expected = reference.progress.get(player.id)
            ?? { playerId: player.id, handle: player.handle, rank: null, points: 0, cluesFound: 0, finds: [], adjustments: [], ...reference.freeze };
          expect(content, `progress of ${player.handle} in ${hunt.created.slug}`).to.deep.equal(expected);
        }
        // Each find counted once, whatever the concurrency.
        const dupes = await pool.query(
          `select count(*)::int as n from (select competitor_id, clue_id from score_ledger where hunt_id = $1 and reason = 'find' group by 1, 2 having count(*) > 1) d`, [huntId]);
        expect(dupes.rows[0].n).to.equal(0);
      }
    });
  }

  // Team hunts and hints. Each seed plays one team hunt and one solo hunt with hints at once:
  // teams formed (3 or 4, some players in none), a member leaving and a teamless player joining
  // half-way; members answering (right, wrong, repeated, concurrent); hints bought at random, and
  // on purpose: a clue whose hints cost more than the whole hunt is worth is bought out by one
  // team and one solo player (their points go negative whatever they find), and one team and one
  // solo player only ever buy hints (competitors with score events but no find).
  for (const seed of seeds) {
    it(`serves team standings, team documents and hint costs equal to the base tables after random play (seed ${seed})`, async () => {
      const rnd = seededRandom(seed * 7919 + 1);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const clueSpecs = (tag: string): ClueSpec[] => {
        const specs: ClueSpec[] = Array.from({ length: 3 + Math.floor(rnd() * 3) }, (_, c) => ({
          answers: [`s${seed} ${tag} c${c}`], points: 1 + Math.floor(rnd() * 4) * 5,
          ...(rnd() < 0.6 ? { hints: Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, k) => ({ text: `hint ${tag} ${c}.${k + 1}`, cost: Math.floor(rnd() * 5) * 5 })) } : {}),
        }));
        // At most 5 x 16 + 5 + 11 points in all: the dear clue's hints (110) leave any buyer negative.
        specs.push({ answers: [`s${seed} ${tag} dear`], points: 5, hints: [{ text: `hint ${tag} dear.1`, cost: 60 }, { text: `hint ${tag} dear.2`, cost: 50 }] });
        if (rnd() < 0.5) specs.push({ answers: [`s${seed} ${tag} gated`], points: 11, unlock: { afterClues: [1] } });
        return specs;
      };
      type Played = { slug: string; spec: ClueSpec[]; clues: { id: string }[]; team: boolean };
      const play = async (slug: string, team: boolean): Promise<Played> => {
        const spec = clueSpecs(team ? 'team' : 'solo');
        const created = await createHunt(client, slug, spec, team ? { mode: 'team', maxTeamSize: 4 } : {});
        return { slug, spec, clues: created.clues, team };
      };
      const teamHunt = await play(`prop-${seed}-team`, true);
      const soloHunt = await play(`prop-${seed}-hints`, false);
      const players = await Promise.all(Array.from({ length: 14 }, (_, i) => registerPlayer(client, `t${seed}_${i}`)));

      // Teams: players 0..n-1 create them; the others join one with a free seat, or stay out.
      const teamCount = 3 + (rnd() < 0.5 ? 1 : 0);
      const teams: { id: string; joinCode: string; members: typeof players }[] = [];
      for (let t = 0; t < teamCount; t++) {
        const res = await client.post(`/v1/hunts/${teamHunt.slug}/teams`, { name: pick(['Owls', 'owls2', 'Zebras', 'Émeus']) + ` ${seed}-${t}` }, { token: players[t]!.token });
        expect(res.status, res.text).to.equal(201);
        teams.push({ id: res.body.id, joinCode: res.body.joinCode, members: [players[t]!] });
      }
      const joins: Promise<Reply>[] = [];
      for (const player of players.slice(teamCount)) {
        const open = teams.filter((t) => t.members.length < 4);
        if (open.length === 0 || rnd() < 0.25) continue;
        const team = pick(open);
        team.members.push(player);
        // At once: equal joining times are ordered by handle.
        joins.push(client.post(`/v1/hunts/${teamHunt.slug}/teams/join`, { joinCode: team.joinCode }, { token: player.token }));
      }
      for (const res of await Promise.all(joins)) expect(res.status, res.text).to.equal(200);
      // The last team only buys hints, as does the last solo player.
      const hintOnlyTeam = teams[teamCount - 1]!;
      const onlyHints = (hunt: Played, playerId: string) =>
        (hunt.team ? hintOnlyTeam.members.some((p) => p.id === playerId) : playerId === players[13]!.id);

      const takeHint = (hunt: Played, c: number, n: number, token: string) =>
        client.post(`/v1/hunts/${hunt.slug}/clues/${hunt.clues[c]!.id}/hints/${n}`, undefined, { token });
      const dear = (hunt: Played) => hunt.spec.findIndex((s) => s.answers[0]!.endsWith(' dear'));
      // Bought out before any find: team 0 and solo player 1. The hint-only ones start with the first.
      for (const [hunt, buyer] of [[teamHunt, players[0]!], [soloHunt, players[1]!]] as const) {
        for (const n of [1, 2]) expect((await takeHint(hunt, dear(hunt), n, buyer.token)).status).to.equal(200);
      }
      for (const [hunt, buyer] of [[teamHunt, hintOnlyTeam.members[0]!], [soloHunt, players[13]!]] as const) {
        expect((await takeHint(hunt, dear(hunt), 1, buyer.token)).status).to.equal(200);
      }

      const answerRefusals = ['team_required', 'clue_locked'];
      const hintRefusals = ['team_required', 'clue_locked', 'already_found', 'hint_locked'];
      for (let round = 0; round < 8; round++) {
        if (round === 4) {
          // Half-way: a member of a team of several leaves; a player in no team joins one with a seat.
          const left = teams.filter((t) => t.members.length > 1 && t !== hintOnlyTeam);
          if (left.length > 0) {
            const team = pick(left);
            const leaver = team.members.pop()!;
            const res = await client.post(`/v1/hunts/${teamHunt.slug}/teams/leave`, undefined, { token: leaver.token });
            expect(res.status, res.text).to.equal(204);
          }
          const outside = players.filter((p) => !teams.some((t) => t.members.includes(p)));
          const open = teams.filter((t) => t.members.length < 4 && t !== hintOnlyTeam);
          if (outside.length > 0 && open.length > 0) {
            const team = pick(open);
            const joiner = pick(outside);
            team.members.push(joiner);
            const res = await client.post(`/v1/hunts/${teamHunt.slug}/teams/join`, { joinCode: team.joinCode }, { token: joiner.token });
            expect(res.status, res.text).to.equal(200);
          }
        }
        const batch = Array.from({ length: 30 }, () => {
          const hunt = rnd() < 0.5 ? teamHunt : soloHunt;
          const player = pick(players);
          const c = Math.floor(rnd() * hunt.spec.length);
          const hints = hunt.spec[c]!.hints ?? [];
          if (hints.length > 0 && (onlyHints(hunt, player.id) || rnd() < 0.3)) {
            const n = 1 + Math.floor(rnd() * hints.length);
            return { kind: 'hint' as const, hunt, c, n, player };
          }
          if (onlyHints(hunt, player.id)) return undefined;
          const right = hunt.spec[c]!.answers[0]!;
          const text = rnd() < 0.55 ? pick([right, right.toUpperCase(), ` ${right.replaceAll(' ', '-')}!`]) : `wrong ${Math.floor(rnd() * 3)}`;
          return { kind: 'answer' as const, hunt, c, text, player };
        }).filter((b) => b !== undefined);
        const doubled = batch.flatMap((b) => (rnd() < 0.2 ? [b, b] : [b]));
        const replies = await Promise.all(doubled.map(async (b) => ({
          b, res: b.kind === 'hint' ? await takeHint(b.hunt, b.c, b.n, b.player.token)
            : await answer(client, b.hunt.slug, b.hunt.clues[b.c]!.id, b.player.token, b.text),
        })));
        for (const { b, res } of replies) {
          if (res.status === 200 && b.kind === 'hint') {
            const hint = b.hunt.spec[b.c]!.hints![b.n - 1]!;
            expect(res.body, res.text).to.include({ n: b.n, text: hint.text, cost: hint.cost });
            continue;
          }
          if (res.status === 200) continue;
          expect(res.status, res.text).to.equal(409);
          expect(b.kind === 'hint' ? hintRefusals : answerRefusals, res.text).to.include(res.body.error);
        }
      }

      for (const hunt of [teamHunt, soloHunt]) {
        const huntId = (await pool.query('select id from hunts where slug = $1', [hunt.slug])).rows[0].id as string;
        const reference = await referenceRanking(pool, huntId);
        expect(reference.mode).to.equal(hunt.team ? 'team' : 'solo');
        const served = await eventually(async () => {
          if (!await settled(pool, client, huntId)) return undefined;
          const res = await client.get(`/v1/hunts/${hunt.slug}/leaderboard?limit=100`);
          return res.body.total === reference.entries.length ? res.body : undefined;
        }, `hunt ${hunt.slug} settled`);
        expect(served.entries, `leaderboard of ${hunt.slug}`).to.deep.equal(reference.entries);
        // The dear clue's buyers are below zero whatever they found: no floor. Those who only bought
        // hints have a document all the same: no finds, no rank, negative points.
        expect(reference.ledger(hunt.team ? teams[0]!.id : players[1]!.id), `points of the dear clue's buyer in ${hunt.slug}`).to.be.below(0);
        const hintsOnly = hunt.team ? reference.teams.get(hintOnlyTeam.id) : reference.progress.get(players[13]!.id);
        expect(hintsOnly, `the competitor of ${hunt.slug} who only bought hints`).to.include({ rank: null, cluesFound: 0 });
        expect(hintsOnly!.points).to.be.at.most(-60);

        if (hunt.team) {
          expect([...reference.teams.keys()].sort(), 'every team has a document').to.deep.equal(teams.map((t) => t.id).sort());
          for (const [teamId, expected] of reference.teams) {
            const res = await client.get(`/v1/hunts/${hunt.slug}/teams/${teamId}`);
            expect(res.status, res.text).to.equal(200);
            const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
            expect(leaderboardVersion, 'rank read from the served leaderboard').to.equal(served.version);
            expect(content, `team ${expected.name} of ${hunt.slug}`).to.deep.equal(expected);
          }
        }
        for (const player of players) {
          const res = await client.get(`/v1/hunts/${hunt.slug}/players/${player.id}`);
          expect(res.status, res.text).to.equal(200);
          const { version: _v, generatedAt: _g, leaderboardVersion, ...content } = res.body;
          expect(leaderboardVersion, 'rank read from the served leaderboard').to.equal(served.version);
          if (hunt.team) {
            // A player's progress in a team hunt is their team's; in none, nothing.
            const teamId = reference.teamOf.get(player.id);
            const team = teamId === undefined ? undefined : reference.teams.get(teamId)!;
            expect(content, `progress of ${player.handle} in ${hunt.slug}`).to.deep.equal({
              playerId: player.id, handle: player.handle, teamId: teamId ?? null, rank: team?.rank ?? null,
              points: team?.points ?? 0, cluesFound: team?.cluesFound ?? 0, finds: team?.finds ?? [], adjustments: team?.adjustments ?? [],
              ...reference.freeze,
            });
          } else {
            // A hint paid for without a find: a document, unranked, with the hint's negative points.
            const expected = reference.progress.get(player.id)
              ?? { playerId: player.id, handle: player.handle, rank: null, points: 0, cluesFound: 0, finds: [], adjustments: [], ...reference.freeze };
            if (!reference.progress.has(player.id)) expect(reference.ledger(player.id), player.handle).to.equal(0);
            expect(content, `progress of ${player.handle} in ${hunt.slug}`).to.deep.equal(expected);
          }
        }

        // The ledger: each find once, one score event per hint taken (its cost, negated), nothing else.
        const { rows: [ledger] } = await pool.query(
          `select (select count(*) from (select competitor_id, clue_id from score_ledger
                                          where hunt_id = $1 and reason = 'find' group by 1, 2 having count(*) > 1) d)::int as dupes,
                  (select count(*) from score_events where hunt_id = $1 and reason <> 'hint')::int as other_events,
                  (select count(*) from score_events where hunt_id = $1 and reason = 'hint')::int as hint_events,
                  (select count(*) from hints_taken where hunt_id = $1)::int as hints_taken,
                  (select coalesce(sum(points), 0) from score_events where hunt_id = $1 and reason = 'hint')::int as hint_points,
                  (select -coalesce(sum(h.cost), 0) from hints_taken t join clue_hints h on h.clue_id = t.clue_id and h.n = t.n
                    where t.hunt_id = $1)::int as hint_costs`, [huntId]);
        expect(ledger.dupes).to.equal(0);
        expect(ledger.other_events).to.equal(0);
        expect(ledger.hint_events).to.equal(ledger.hints_taken);
        expect(ledger.hint_points).to.equal(ledger.hint_costs);
        expect(ledger.hints_taken, `hints bought in ${hunt.slug}`).to.be.greaterThan(2);
      }
    });
  }
});
