// Unlock rules and hints, the write side: rules given with a new hunt's clues (positions checked:
// range, self, cycles) and stored resolved to clue ids; answers to a locked clue refused with 409
// clue_locked before anything is counted or written; hints sold in order, once per competitor (a
// team's in a team hunt), as negative score events, with the contract's errors in its order.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../src/core/db.ts';
import { Client, type Reply } from './support/client.ts';
import { ADMIN_TOKEN, startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, type ClueSpec } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('unlock rules and hints', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('unlocks_hints');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 2, 'test-unlocks-hints');
  });

  after(async () => {
    await engine?.stop();
    await pool?.end();
    await db?.drop();
  });

  const players = (prefix: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => registerPlayer(client, `${prefix}_${i}`)));
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const takeHint = (slug: string, clueId: string, n: number | string, token?: string, body?: unknown) =>
    client.post(`/v1/hunts/${slug}/clues/${clueId}/hints/${n}`, body, token === undefined ? {} : { token });
  const statusOf = (res: Reply) => [res.status, res.body?.error];
  /** The competitor's points as the ledger has them. */
  const ledger = async (competitorId: string) => Number((await pool.query(
    'select coalesce(sum(points), 0) as p from score_ledger where competitor_id = $1', [competitorId])).rows[0].p);
  const createTeam = async (slug: string, token: string, name: string) => {
    const res = await client.post(`/v1/hunts/${slug}/teams`, { name }, { token });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; joinCode: string };
  };
  const joinTeam = async (slug: string, token: string, joinCode: string) => {
    const res = await client.post(`/v1/hunts/${slug}/teams/join`, { joinCode }, { token });
    expect(res.status, res.text).to.equal(200);
  };

  describe('creating a hunt', () => {
    const post = (slug: string, clues: ClueSpec[]) => client.post('/v1/admin/hunts', {
      slug, title: 'x', status: 'live',
      clues: clues.map((c, i) => ({ title: `c${i + 1}`, body: 'b', points: 1, ...c })),
    }, { token: ADMIN_TOKEN });

    it('refuses rules naming no other clue, rules in a cycle and hints out of bounds, saying which clue', async () => {
      const cases: { what: string; clues: ClueSpec[]; mentions?: string[] }[] = [
        { what: 'out of range', clues: [{ answers: ['a'] }, { answers: ['b'], unlock: { afterClues: [3] } }], mentions: ['clues.1', 'clue 2', 'clue 3'] },
        { what: 'position 0', clues: [{ answers: ['a'], unlock: { afterClues: [0] } }, { answers: ['b'] }] },
        { what: 'self reference', clues: [{ answers: ['a'] }, { answers: ['b'], unlock: { afterClues: [1, 2] } }], mentions: ['clues.1', 'clue 2', 'itself'] },
        { what: 'cycle of two', clues: [{ answers: ['a'], unlock: { afterClues: [2] } }, { answers: ['b'], unlock: { afterClues: [1] } }], mentions: ['clue 1', 'clue 2'] },
        {
          what: 'cycle of three',
          clues: [{ answers: ['a'] }, { answers: ['b'], unlock: { afterClues: [3] } }, { answers: ['c'], unlock: { afterClues: [4] } }, { answers: ['d'], unlock: { afterClues: [2, 1] } }],
          mentions: ['clue 2', 'clue 3', 'clue 4'],
        },
        { what: 'afterFinds 0', clues: [{ answers: ['a'], unlock: { afterFinds: 0 } }] },
        { what: 'afterMinutes 1.5', clues: [{ answers: ['a'], unlock: { afterMinutes: 1.5 } }] },
        { what: 'unknown condition', clues: [{ answers: ['a'], unlock: { afterSeconds: 5 } as never }] },
        { what: '11 hints', clues: [{ answers: ['a'], hints: Array.from({ length: 11 }, (_, i) => ({ text: `h${i}`, cost: 1 })) }] },
        { what: 'cost -1', clues: [{ answers: ['a'], hints: [{ text: 'h', cost: -1 }] }] },
        { what: 'cost 10001', clues: [{ answers: ['a'], hints: [{ text: 'h', cost: 10_001 }] }] },
        { what: 'cost 2.5', clues: [{ answers: ['a'], hints: [{ text: 'h', cost: 2.5 }] }] },
        { what: 'empty text', clues: [{ answers: ['a'], hints: [{ text: '', cost: 1 }] }] },
        { what: 'text of 2001', clues: [{ answers: ['a'], hints: [{ text: 'x'.repeat(2001), cost: 1 }] }] },
      ];
      for (const [i, c] of cases.entries()) {
        const res = await post(`bad-rule-${i}`, c.clues);
        expect(statusOf(res), `${c.what}: ${res.text}`).to.deep.equal([400, 'invalid_body']);
        for (const words of c.mentions ?? []) expect(res.body.message, c.what).to.include(words);
      }
      const { rows: [{ n }] } = await pool.query(`select count(*)::int as n from hunts where slug like 'bad-rule-%'`);
      expect(n).to.equal(0);
      // The bounds themselves are accepted.
      const edge = await post('edge-rule', [{ answers: ['a'], hints: Array.from({ length: 10 }, (_, i) => ({ text: i === 0 ? 'x'.repeat(2000) : 'h', cost: i === 1 ? 10_000 : 0 })) }]);
      expect(edge.status, edge.text).to.equal(201);
    });

    it('stores rules resolved to clue ids, and hints numbered from 1', async () => {
      const hunt = await createHunt(client, 'rules-stored', [
        { answers: ['a'], unlock: {} },
        { answers: ['b'], hints: [{ text: 'first', cost: 0 }, { text: 'second', cost: 7 }] },
        { answers: ['c'], unlock: { afterClues: [2, 1, 2], afterFinds: 2, afterMinutes: 30 } },
        { answers: ['d'], unlock: { afterMinutes: 5 } },
      ]);
      const ids = hunt.clues.map((c) => c.id);
      const { rows } = await pool.query(
        `select position, unlock_after_clues as clues, unlock_after_finds as finds, unlock_after_minutes as minutes
           from clues where hunt_id = (select id from hunts where slug = 'rules-stored') order by position`);
      expect(rows.map((r) => ({ ...r, clues: r.clues === null ? null : [...r.clues].sort() }))).to.deep.equal([
        { position: 1, clues: null, finds: null, minutes: null },
        { position: 2, clues: null, finds: null, minutes: null },
        { position: 3, clues: [ids[0], ids[1]].sort(), finds: 2, minutes: 30 },
        { position: 4, clues: null, finds: null, minutes: 5 },
      ]);
      const hints = await pool.query('select clue_id, n, text, cost from clue_hints where clue_id = any($1) order by clue_id, n', [ids]);
      expect(hints.rows).to.deep.equal([
        { clue_id: ids[1], n: 1, text: 'first', cost: 0 },
        { clue_id: ids[1], n: 2, text: 'second', cost: 7 },
      ]);
    });
  });

  describe('answers to locked clues', () => {
    it('opens a clue once its listed clues are found by that competitor; a locked answer is counted nowhere', async () => {
      const hunt = await createHunt(client, 'after-clues', [
        { answers: ['one'] }, { answers: ['two'] }, { answers: ['three'], points: 30, unlock: { afterClues: [1, 2] } },
      ]);
      const [c1, c2, c3] = hunt.clues.map((c) => c.id) as [string, string, string];
      const [ann, bob] = await players('afterclues', 2);

      for (const guess of ['three', 'wrong', 'three']) {
        expect(statusOf(await answer(client, 'after-clues', c3, ann!.token, guess))).to.deep.equal([409, 'clue_locked']);
      }
      // No submission, no guess counted (minute or back-off), and not a competitor by it.
      const { rows: [written] } = await pool.query(
        `select (select count(*) from submissions where player_id = $1)::int as submissions,
                (select count(*) from rate_windows where scope = 'guess' and key = $1::text)::int as minutes,
                (select count(*) from guess_limits where player_id = $1)::int as limits,
                (select count(*) from competitors where competitor_id = $1)::int as competitors`, [ann!.id]);
      expect(written).to.deep.equal({ submissions: 0, minutes: 0, limits: 0, competitors: 0 });

      expect((await answer(client, 'after-clues', c1, ann!.token, 'one')).body.correct).to.equal(true);
      expect(statusOf(await answer(client, 'after-clues', c3, ann!.token, 'three'))).to.deep.equal([409, 'clue_locked']);
      // Another player's find of clue 2 does not open it for ann.
      expect((await answer(client, 'after-clues', c2, bob!.token, 'two')).body.correct).to.equal(true);
      expect(statusOf(await answer(client, 'after-clues', c3, ann!.token, 'three'))).to.deep.equal([409, 'clue_locked']);
      expect(statusOf(await answer(client, 'after-clues', c3, bob!.token, 'three'))).to.deep.equal([409, 'clue_locked']);
      expect((await answer(client, 'after-clues', c2, ann!.token, 'two')).body.correct).to.equal(true);
      const opened = await answer(client, 'after-clues', c3, ann!.token, 'three');
      expect([opened.status, opened.body]).to.deep.equal([200, { correct: true, alreadyFound: false, points: 30 }]);
      expect(statusOf(await answer(client, 'after-clues', c3, bob!.token, 'three'))).to.deep.equal([409, 'clue_locked']);
      const { rows: [{ n }] } = await pool.query('select count(*)::int as n from submissions where clue_id = $1', [c3]);
      expect(n).to.equal(1);
    });

    it('opens a clue after a number of finds', async () => {
      const hunt = await createHunt(client, 'after-finds', [
        { answers: ['one'] }, { answers: ['two'] }, { answers: ['three'] }, { answers: ['four'], unlock: { afterFinds: 2 } },
      ]);
      const [c1, , c3, c4] = hunt.clues.map((c) => c.id) as [string, string, string, string];
      const [ann] = await players('afterfinds', 1);
      expect(statusOf(await answer(client, 'after-finds', c4, ann!.token, 'four'))).to.deep.equal([409, 'clue_locked']);
      await answer(client, 'after-finds', c1, ann!.token, 'one');
      // A wrong answer is not a find.
      expect((await answer(client, 'after-finds', c3, ann!.token, 'nope')).body.correct).to.equal(false);
      expect(statusOf(await answer(client, 'after-finds', c4, ann!.token, 'four'))).to.deep.equal([409, 'clue_locked']);
      await answer(client, 'after-finds', c3, ann!.token, 'three');
      expect((await answer(client, 'after-finds', c4, ann!.token, 'four')).body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
    });

    it('opens a clue some minutes after the start (startsAt, or else the first move to live)', async () => {
      const hunt = await createHunt(client, 'after-minutes', [
        { answers: ['one'], unlock: { afterMinutes: 1 } }, { answers: ['two'], unlock: { afterMinutes: 5 } },
      ], { startsAt: minutesAgo(2) });
      const [ann] = await players('afterminutes', 1);
      expect((await answer(client, 'after-minutes', hunt.clues[0]!.id, ann!.token, 'one')).body.correct).to.equal(true);
      expect(statusOf(await answer(client, 'after-minutes', hunt.clues[1]!.id, ann!.token, 'two'))).to.deep.equal([409, 'clue_locked']);

      // No startsAt: counted from the hunt's first move to live, just now.
      const now = await createHunt(client, 'after-minutes-live', [{ answers: ['one'], unlock: { afterMinutes: 1 } }]);
      expect(statusOf(await answer(client, 'after-minutes-live', now.clues[0]!.id, ann!.token, 'one'))).to.deep.equal([409, 'clue_locked']);
      await pool.query(`update hunts set first_live_at = first_live_at - interval '90 seconds' where slug = 'after-minutes-live'`);
      expect((await answer(client, 'after-minutes-live', now.clues[0]!.id, ann!.token, 'one')).body.correct).to.equal(true);
    });

    it('opens a clue only when every condition of its rule holds', async () => {
      const hunt = await createHunt(client, 'after-all', [
        { answers: ['one'] }, { answers: ['two'] },
        { answers: ['three'], unlock: { afterClues: [2], afterFinds: 2, afterMinutes: 1 } },
        { answers: ['four'], unlock: { afterClues: [1], afterMinutes: 5 } },
      ], { startsAt: minutesAgo(2) });
      const [c1, c2, c3, c4] = hunt.clues.map((c) => c.id) as [string, string, string, string];
      const [ann] = await players('afterall', 1);
      await answer(client, 'after-all', c2, ann!.token, 'two');
      // Clue 2 found and the minute passed, but one find of two.
      expect(statusOf(await answer(client, 'after-all', c3, ann!.token, 'three'))).to.deep.equal([409, 'clue_locked']);
      await answer(client, 'after-all', c1, ann!.token, 'one');
      expect((await answer(client, 'after-all', c3, ann!.token, 'three')).body.correct).to.equal(true);
      // Clue 1 found, but 5 minutes have not passed.
      expect(statusOf(await answer(client, 'after-all', c4, ann!.token, 'four'))).to.deep.equal([409, 'clue_locked']);
    });

    it('opens a clue for the whole team once one member found what it waits for', async () => {
      const hunt = await createHunt(client, 'team-unlock', [
        { answers: ['one'] }, { answers: ['two'], unlock: { afterClues: [1] } },
      ], { mode: 'team' });
      const [c1, c2] = hunt.clues.map((c) => c.id) as [string, string];
      const [a1, a2, b1] = await players('teamunlock', 3);
      const alpha = await createTeam('team-unlock', a1!.token, 'Alpha');
      await joinTeam('team-unlock', a2!.token, alpha.joinCode);
      await createTeam('team-unlock', b1!.token, 'Beta');
      expect(statusOf(await answer(client, 'team-unlock', c2, a2!.token, 'two'))).to.deep.equal([409, 'clue_locked']);
      await answer(client, 'team-unlock', c1, a1!.token, 'one');
      expect((await answer(client, 'team-unlock', c2, a2!.token, 'two')).body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
      expect(statusOf(await answer(client, 'team-unlock', c2, b1!.token, 'two'))).to.deep.equal([409, 'clue_locked']);
      // Order of checks: a player in no team is told so before the lock.
      const [loner] = await players('teamunlock_loner', 1);
      expect(statusOf(await answer(client, 'team-unlock', c2, loner!.token, 'two'))).to.deep.equal([409, 'team_required']);
    });
  });

  describe('hints', () => {
    const threeHints = [{ text: 'Look north', cost: 3 }, { text: 'Under the bridge', cost: 20 }, { text: 'The third stone', cost: 1 }];

    it('checks the caller, n, the hunt, clue and hint, in that order', async () => {
      const hunt = await createHunt(client, 'hint-errors', [{ answers: ['a'], hints: threeHints }, { answers: ['b'] }]);
      const other = await createHunt(client, 'hint-errors-other', [{ answers: ['a'], hints: threeHints }]);
      const draft = await createHunt(client, 'hint-errors-draft', [{ answers: ['a'], hints: threeHints }], { status: 'draft' });
      const [ann] = await players('hinterrors', 1);
      const c1 = hunt.clues[0]!.id;

      expect(statusOf(await takeHint('hint-errors', c1, 1))).to.deep.equal([401, 'unauthorized']);
      expect(statusOf(await takeHint('hint-errors', c1, 1, 'not-a-token'))).to.deep.equal([401, 'unauthorized']);
      expect(statusOf(await takeHint('hint-errors', c1, 0))).to.deep.equal([401, 'unauthorized']);
      for (const n of ['0', '-1', 'x', '1.5', '1e1', '00']) {
        const res = await takeHint('hint-errors', c1, n, ann!.token);
        expect(res.status, `n=${n}: ${res.text}`).to.equal(400);
      }
      expect(statusOf(await takeHint('hint-errors', c1, 1, ann!.token, { n: 1 }))).to.deep.equal([400, 'invalid_body']);
      expect(statusOf(await takeHint('hint-errors', c1, 4, ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('hint-errors', c1, '99999999999999999999', ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('hint-errors', hunt.clues[1]!.id, 1, ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('hint-errors', other.clues[0]!.id, 1, ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('hint-errors', randomUUID(), 1, ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('no-such-hunt', c1, 1, ann!.token))).to.deep.equal([404, 'not_found']);
      expect(statusOf(await takeHint('hint-errors-draft', draft.clues[0]!.id, 1, ann!.token))).to.deep.equal([404, 'not_found']);

      // Nothing was written by any of them.
      const { rows: [written] } = await pool.query(
        `select (select count(*) from hints_taken where player_id = $1)::int as hints,
                (select count(*) from competitors where competitor_id = $1)::int as competitors`, [ann!.id]);
      expect(written).to.deep.equal({ hints: 0, competitors: 0 });
      // No body and {} are both fine.
      expect((await takeHint('hint-errors', c1, 1, ann!.token, {})).status).to.equal(200);
    });

    it('sells hints in order, once, below zero if need be; the reply carries the ledger\'s points', async () => {
      const hunt = await createHunt(client, 'hint-pay', [{ answers: ['gold'], points: 10, hints: threeHints }]);
      const c1 = hunt.clues[0]!.id;
      const [ann] = await players('hintpay', 1);

      expect(statusOf(await takeHint('hint-pay', c1, 2, ann!.token))).to.deep.equal([409, 'hint_locked']);
      expect((await pool.query('select 1 from competitors where competitor_id = $1', [ann!.id])).rowCount).to.equal(0);

      const first = await takeHint('hint-pay', c1, 1, ann!.token);
      expect([first.status, first.body]).to.deep.equal([200, { n: 1, text: 'Look north', cost: 3, points: -3 }]);
      expect(first.headers.get('cache-control')).to.equal('private, no-store');
      // Taking a hint made ann a competitor of the solo hunt, under her handle.
      const { rows: competitors } = await pool.query('select name from competitors where competitor_id = $1', [ann!.id]);
      expect(competitors).to.deep.equal([{ name: ann!.handle }]);

      const again = await takeHint('hint-pay', c1, 1, ann!.token);
      expect([again.status, again.body]).to.deep.equal([200, { n: 1, text: 'Look north', cost: 3, points: -3 }]);
      expect(statusOf(await takeHint('hint-pay', c1, 3, ann!.token))).to.deep.equal([409, 'hint_locked']);
      const second = await takeHint('hint-pay', c1, 2, ann!.token);
      expect(second.body).to.deep.equal({ n: 2, text: 'Under the bridge', cost: 20, points: -23 });
      expect(await ledger(ann!.id)).to.equal(-23);

      const { rows: events } = await pool.query(
        `select e.reason, e.points, e.player_id, e.clue_id, t.n, e.occurred_at = t.taken_at as at_taken
           from score_events e join hints_taken t on t.competitor_id = e.competitor_id and t.clue_id = e.clue_id
          where e.competitor_id = $1 and t.n = case e.points when -3 then 1 else 2 end order by e.id`, [ann!.id]);
      expect(events).to.deep.equal([
        { reason: 'hint', points: -3, player_id: ann!.id, clue_id: c1, n: 1, at_taken: true },
        { reason: 'hint', points: -20, player_id: ann!.id, clue_id: c1, n: 2, at_taken: true },
      ]);

      // Found: hints taken are still shown, for nothing; the others are no longer sold.
      expect((await answer(client, 'hint-pay', c1, ann!.token, 'gold')).body).to.deep.equal({ correct: true, alreadyFound: false, points: 10 });
      const after = await takeHint('hint-pay', c1, 2, ann!.token);
      expect([after.status, after.body]).to.deep.equal([200, { n: 2, text: 'Under the bridge', cost: 20, points: -13 }]);
      expect(statusOf(await takeHint('hint-pay', c1, 3, ann!.token))).to.deep.equal([409, 'already_found']);
      expect(await ledger(ann!.id)).to.equal(-13);
      const { rows: [{ n }] } = await pool.query(`select count(*)::int as n from score_events where competitor_id = $1 and reason = 'hint'`, [ann!.id]);
      expect(n).to.equal(2);
    });

    it('is paid once when one player asks ten times at once, and when two members ask at once', async () => {
      const solo = await createHunt(client, 'hint-race', [{ answers: ['a'], hints: [{ text: 'race', cost: 4 }] }]);
      const [ann] = await players('hintrace', 1);
      const replies = await Promise.all(Array.from({ length: 10 }, () => takeHint('hint-race', solo.clues[0]!.id, 1, ann!.token)));
      expect(replies.map((r) => [r.status, r.body.points])).to.deep.equal(Array.from({ length: 10 }, () => [200, -4]));

      const team = await createHunt(client, 'hint-race-team', [{ answers: ['a'], hints: [{ text: 'race', cost: 6 }] }], { mode: 'team' });
      const [m1, m2] = await players('hintraceteam', 2);
      const owls = await createTeam('hint-race-team', m1!.token, 'Owls');
      await joinTeam('hint-race-team', m2!.token, owls.joinCode);
      const both = await Promise.all(Array.from({ length: 10 }, (_, i) => takeHint('hint-race-team', team.clues[0]!.id, 1, (i % 2 ? m1 : m2)!.token)));
      expect(both.map((r) => [r.status, r.body.points])).to.deep.equal(Array.from({ length: 10 }, () => [200, -6]));

      const { rows } = await pool.query(
        `select competitor_id, (select count(*) from hints_taken t where t.competitor_id = c.competitor_id)::int as taken,
                (select count(*) from score_events e where e.competitor_id = c.competitor_id and e.reason = 'hint')::int as events
           from competitors c where c.competitor_id = any($1)`, [[ann!.id, owls.id]]);
      expect(Object.fromEntries(rows.map((r) => [r.competitor_id, { taken: r.taken, events: r.events }]))).to.deep.equal({
        [ann!.id]: { taken: 1, events: 1 }, [owls.id]: { taken: 1, events: 1 },
      });
      expect(await ledger(ann!.id)).to.equal(-4);
      expect(await ledger(owls.id)).to.equal(-6);
    });

    it('sells a team\'s hints to the team: a member sees what another took, for nothing', async () => {
      const hunt = await createHunt(client, 'hint-team', [{ answers: ['a'], points: 10, hints: threeHints }], { mode: 'team' });
      const c1 = hunt.clues[0]!.id;
      const [m1, m2, loner] = await players('hintteam', 3);
      const owls = await createTeam('hint-team', m1!.token, 'Owls');
      await joinTeam('hint-team', m2!.token, owls.joinCode);

      expect(statusOf(await takeHint('hint-team', c1, 1, loner!.token))).to.deep.equal([409, 'team_required']);
      expect((await takeHint('hint-team', c1, 1, m1!.token)).body).to.deep.equal({ n: 1, text: 'Look north', cost: 3, points: -3 });
      expect((await takeHint('hint-team', c1, 1, m2!.token)).body).to.deep.equal({ n: 1, text: 'Look north', cost: 3, points: -3 });
      expect((await takeHint('hint-team', c1, 2, m2!.token)).body.points).to.equal(-23);
      expect((await answer(client, 'hint-team', c1, m1!.token, 'a')).body.points).to.equal(10);
      expect(statusOf(await takeHint('hint-team', c1, 3, m2!.token))).to.deep.equal([409, 'already_found']);
      expect(await ledger(owls.id)).to.equal(-13);
      const { rows } = await pool.query('select n, player_id from hints_taken where competitor_id = $1 order by n', [owls.id]);
      expect(rows).to.deep.equal([{ n: 1, player_id: m1!.id }, { n: 2, player_id: m2!.id }]);
    });

    it('refuses hints of a hunt not live, and of a locked clue', async () => {
      const ended = await createHunt(client, 'hint-ended', [{ answers: ['a'], hints: threeHints }]);
      const res = await client.patch('/v1/admin/hunts/hint-ended', { status: 'ended' }, { token: ADMIN_TOKEN });
      expect(res.status, res.text).to.equal(200);
      const later = await createHunt(client, 'hint-later', [{ answers: ['a'], hints: threeHints }],
        { startsAt: new Date(Date.now() + 3_600_000).toISOString() });
      const locked = await createHunt(client, 'hint-locked-clue', [
        { answers: ['a'] }, { answers: ['b'], hints: threeHints, unlock: { afterClues: [1] } },
      ]);
      const [ann] = await players('hintlive', 1);
      expect(statusOf(await takeHint('hint-ended', ended.clues[0]!.id, 1, ann!.token))).to.deep.equal([409, 'hunt_not_live']);
      expect(statusOf(await takeHint('hint-later', later.clues[0]!.id, 1, ann!.token))).to.deep.equal([409, 'hunt_not_live']);
      // A hint beyond the clue's is a 404 before the hunt's liveness.
      expect(statusOf(await takeHint('hint-ended', ended.clues[0]!.id, 4, ann!.token))).to.deep.equal([404, 'not_found']);

      const c2 = locked.clues[1]!.id;
      expect(statusOf(await takeHint('hint-locked-clue', c2, 1, ann!.token))).to.deep.equal([409, 'clue_locked']);
      // The lock comes before the hints' order.
      expect(statusOf(await takeHint('hint-locked-clue', c2, 2, ann!.token))).to.deep.equal([409, 'clue_locked']);
      await answer(client, 'hint-locked-clue', locked.clues[0]!.id, ann!.token, 'a');
      expect((await takeHint('hint-locked-clue', c2, 1, ann!.token)).body).to.deep.equal({ n: 1, text: 'Look north', cost: 3, points: 7 });
      expect(await ledger(ann!.id)).to.equal(7);
      const { rows: [{ n }] } = await pool.query('select count(*)::int as n from hints_taken where player_id = $1', [ann!.id]);
      expect(n).to.equal(1);
    });
  });
});
