// Guessing and registration limits: wrong guesses per player and clue back off (429 with
// Retry-After), repeating a guess costs nothing, a per-player cap stops sweeping across clues,
// registrations are limited per client address, and every limit holds across API processes.
import { expect } from 'chai';
import pg from 'pg';
import { Client } from './support/client.ts';
import { startEngine, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('abuse limits', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let first: Engine;
  let second: Engine;
  let a: Client;
  let b: Client;

  before(async () => {
    db = await createTestDatabase('abuse');
    const limits = { guessFreeWrongPerClue: 2, guessBackoffBaseSeconds: 1, guessBackoffMaxSeconds: 60, guessMaxPerMinute: 1_000_000 };
    first = await startEngine(db.url, { config: limits });
    second = await startEngine(db.url, { worker: false, config: limits });
    a = new Client(first.url);
    b = new Client(second.url);
  });

  after(async () => {
    await second?.stop();
    await first?.stop();
    await db?.drop();
  });

  it('backs off wrong guesses per clue, doubling, across API processes; a repeated guess costs nothing', async () => {
    const hunt = await createHunt(a, 'guarded', [{ answers: ['vault'] }, { answers: ['key'] }]);
    const player = await registerPlayer(a, 'guesser');
    const clue = hunt.clues[0]!.id;
    for (const guess of ['one', 'two', 'three']) {
      expect((await answer(a, 'guarded', clue, player.token, guess)).status).to.equal(200);
    }
    // Third wrong guess was past the two free ones: a 1-second back-off, seen by the other process too.
    const blocked = await answer(b, 'guarded', clue, player.token, 'four');
    expect(blocked.status).to.equal(429);
    expect(blocked.body.error).to.equal('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).to.be.at.least(1);
    // The right answer is refused too while blocked (no free brute force)...
    expect((await answer(b, 'guarded', clue, player.token, 'vault')).status).to.equal(429);
    // ...but a guess already made is answered as before, at no cost.
    expect((await answer(b, 'guarded', clue, player.token, 'two')).body).to.deep.equal({ correct: false, alreadyFound: false, points: 0 });
    // Other clues are not affected.
    expect((await answer(a, 'guarded', hunt.clues[1]!.id, player.token, 'key')).body.correct).to.equal(true);

    await new Promise((r) => setTimeout(r, 1100));
    expect((await answer(a, 'guarded', clue, player.token, 'four')).status).to.equal(200);
    const longer = await answer(a, 'guarded', clue, player.token, 'five');
    expect(longer.status).to.equal(429);
    expect(Number(longer.headers.get('retry-after'))).to.equal(2);
  });

  it('caps new guesses per player per minute across all clues', async () => {
    const capped = await startEngine(db.url, { worker: false, config: { guessMaxPerMinute: 5 } });
    try {
      const c = new Client(capped.url);
      const hunt = await createHunt(c, 'sweep-target', Array.from({ length: 12 }, (_, i) => ({ answers: [`answer ${i}`] })));
      const player = await registerPlayer(c, 'sweeper');
      const statuses = [];
      for (const [i, clue] of hunt.clues.entries()) statuses.push((await answer(c, 'sweep-target', clue.id, player.token, `try ${i}`)).status);
      // Five always fit in a minute's window; eleven cannot all fit even if a new minute began midway.
      expect(statuses.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(statuses.filter((s) => s === 429).length).to.be.at.least(1);
    } finally {
      await capped.stop();
    }
  });

  it('limits registrations per client address, from X-Forwarded-For only when the proxy is trusted', async () => {
    const limited = await startEngine(db.url, { worker: false, config: { registerRateLimit: 3 } });
    // The test's requests come from 127.0.0.1: a proxy at that address is trusted.
    const proxied = await startEngine(db.url, { worker: false, config: { registerRateLimit: 3, trustProxy: { addresses: ['127.0.0.1'] } } });
    try {
      // Earlier tests in this file registered players from this address in this minute.
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`delete from rate_windows where scope = 'register'`);
      await admin.end();
      const c = new Client(limited.url);
      const statuses = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await c.post('/v1/players', { handle: `reg_${i}` }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
      }
      // Untrusted X-Forwarded-For is ignored: all seven came from one address.
      expect(statuses.slice(0, 3)).to.deep.equal([201, 201, 201]);
      expect(statuses.filter((s) => s === 429).length).to.be.at.least(1);
      const refused = await c.post('/v1/players', { handle: 'reg_extra' });
      if (refused.status === 429) expect(Number(refused.headers.get('retry-after'))).to.be.at.least(1);

      const p = new Client(proxied.url);
      for (let i = 0; i < 5; i++) {
        const res = await p.post('/v1/players', { handle: `proxied_${i}` }, { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
        expect(res.status, 'each forwarded address has its own budget').to.equal(201);
      }
    } finally {
      await proxied.stop();
      await limited.stop();
    }
  });

  it('counts a refused registration (409 handle taken) against the address', async () => {
    const limited = await startEngine(db.url, { worker: false, config: { registerRateLimit: 3 } });
    try {
      const c = new Client(limited.url);
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      const clearWindows = () => admin.query(`delete from rate_windows where scope = 'register'`);
      await clearWindows();
      await registerPlayer(c, 'taken_handle');
      // The four registrations below must fall in one minute's window.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      await clearWindows();
      await admin.end();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await c.post('/v1/players', { handle: 'TAKEN_HANDLE' })).status);
      expect(statuses).to.deep.equal([409, 409, 409]);
      const fourth = await c.post('/v1/players', { handle: 'fresh_handle' });
      expect(fourth.status, 'three refused registrations used the minute\'s budget').to.equal(429);
      expect(fourth.body.error).to.equal('rate_limited');
    } finally {
      await limited.stop();
    }
  });
});
