// From an accepted answer to the documents players read: dirty marks, pg-boss refresh jobs,
// atomic publishes, the full rebuild, ETags, and what several workers do together.
import { expect } from 'chai';
import pg from 'pg';
import { SnapshotStore } from '../src/api/snapshot-store.ts';
import { FORMAT_VERSION, docKeys, type HuntDetailContent, type LeaderboardEntry } from '../src/core/documents.ts';
import { createLogger } from '../src/core/logger.ts';
import { fullRebuild } from '../src/worker/full-rebuild.ts';
import { refreshHunt } from '../src/worker/refresh-hunt.ts';
import { startWorker } from '../src/worker/worker.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, unpublishedChanges } from './support/fixtures.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('refresh pipeline', () => {
  let db: TestDatabase;
  let engine: Engine;
  let client: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('refresh');
    engine = await startEngine(db.url);
    client = new Client(engine.url);
    pool = createPool(db.url, 5, 'test');
  });

  after(async () => {
    await pool?.end();
    await engine?.stop();
    await db?.drop();
  });

  const huntIdOf = async (slug: string) => (await pool.query('select id from hunts where slug = $1', [slug])).rows[0].id as string;

  it('puts a find on the leaderboard with no manual refresh', async () => {
    const hunt = await createHunt(client, 'auto-refresh', [{ answers: ['north star'], points: 15 }]);
    const player = await registerPlayer(client, 'navigator');
    expect((await answer(client, 'auto-refresh', hunt.clues[0]!.id, player.token, 'North Star')).body.correct).to.equal(true);
    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/auto-refresh/leaderboard');
      return res.body?.total === 1 ? res.body : undefined;
    }, 'find on the leaderboard');
    expect(board.entries[0]).to.include({ rank: 1, playerId: player.id, handle: 'navigator', points: 15, cluesFound: 1 });
    await eventually(async () => (await unpublishedChanges(pool) === 0 ? true : undefined), 'the change consumed');
  });

  it('counts concurrent duplicate correct answers once', async () => {
    const hunt = await createHunt(client, 'race-hunt', [{ answers: ['quick'], points: 40 }]);
    const player = await registerPlayer(client, 'racer');
    const replies = await Promise.all(Array.from({ length: 25 }, (_, i) =>
      answer(client, 'race-hunt', hunt.clues[0]!.id, player.token, i % 2 ? 'QUICK' : 'quick!')));
    expect(replies.every((r) => r.status === 200 && r.body.correct)).to.equal(true);
    expect(replies.filter((r) => !r.body.alreadyFound)).to.have.length(1);
    expect(replies.reduce((sum, r) => sum + r.body.points, 0)).to.equal(40);
    const counts = (await pool.query(
      `select (select count(*) from finds where player_id = $1)::int as finds,
              (select count(*) from score_events where player_id = $1)::int as events,
              (select count(*) from submissions where player_id = $1)::int as submissions`, [player.id])).rows[0];
    // Two distinct guesses normalize to the same text, so one submission row.
    // A find is its own ledger entry: no score event repeats it.
    expect(counts).to.deep.equal({ finds: 1, events: 0, submissions: 1 });
  });

  it('answers 304 to a matching If-None-Match, and 200 with a higher version once the content changed', async () => {
    const hunt = await createHunt(client, 'etag-hunt', [{ answers: ['one'] }, { answers: ['two'] }]);
    const first = await eventually(async () => {
      const res = await client.get('/v1/hunts/etag-hunt/leaderboard');
      return res.status === 200 ? res : undefined;
    }, 'board published');
    const etag = first.headers.get('etag')!;
    const cached = await client.get('/v1/hunts/etag-hunt/leaderboard', { headers: { 'if-none-match': etag, 'cache-control': 'no-cache' } });
    expect(cached.status).to.equal(304);
    expect(cached.text).to.equal('');
    expect(cached.headers.get('etag')).to.equal(etag);

    const player = await registerPlayer(client, 'etag_player');
    await answer(client, 'etag-hunt', hunt.clues[0]!.id, player.token, 'one');
    const changed = await eventually(async () => {
      const res = await client.get('/v1/hunts/etag-hunt/leaderboard', { headers: { 'if-none-match': etag } });
      return res.status === 200 ? res : undefined;
    }, 'new version');
    expect(changed.body.version).to.be.greaterThan(first.body.version);
    expect(changed.headers.get('etag')).not.to.equal(etag);
  });

  it('keeps a document version when a refresh finds nothing new', async () => {
    await createHunt(client, 'stable-hunt', [{ answers: ['same'] }]);
    const before = await eventually(async () => {
      const res = await client.get('/v1/hunts/stable-hunt');
      return res.status === 200 ? res.body : undefined;
    }, 'published');
    const result = await refreshHunt(engine.api.pool, await huntIdOf('stable-hunt'));
    expect(result.documentsChanged).to.equal(0);
    expect((await client.get('/v1/hunts/stable-hunt')).body.version).to.equal(before.version);
  });

  it('never shows a reader a mix of two publishes', async () => {
    const hunt = await createHunt(client, 'atomic-hunt', [1, 2, 3, 4].map((n) => ({ answers: [`gem ${n}`], points: n * 5 })));
    const players = await Promise.all(Array.from({ length: 12 }, (_, i) => registerPlayer(client, `atom_${i}`)));
    await eventually(async () => ((await client.get('/v1/hunts/atomic-hunt')).status === 200 ? true : undefined), 'published');
    const store = engine.api.store;
    let checks = 0;
    let stop = false;
    const failures: string[] = [];
    // Reads every related document in one synchronous step, as a request would.
    const poll = async () => {
      while (!stop) {
        const detailDoc = store.get(docKeys.hunt('atomic-hunt'));
        const board = store.boards.get(docKeys.leaderboard('atomic-hunt'));
        const index = store.get(docKeys.huntsIndex());
        if (detailDoc && board && index) {
          const detail = JSON.parse(detailDoc.body.toString()) as HuntDetailContent;
          const listed = JSON.parse(index.body.toString()).hunts.find((h: { slug: string }) => h.slug === 'atomic-hunt');
          const entries = [...board.pages.keys()].sort((a, b) => a - b)
            .flatMap((n) => JSON.parse(board.pages.get(n)!.json.toString()) as LeaderboardEntry[]);
          const found = entries.reduce((s, e) => s + e.cluesFound, 0);
          const solved = detail.clues.reduce((s, c) => s + c.solveCount, 0);
          if (found !== detail.findCount || solved !== detail.findCount) failures.push(`finds ${found}/${solved}/${detail.findCount}`);
          if (entries.length !== board.total) failures.push(`pages hold ${entries.length} of ${board.total} entries`);
          // The index may lag the hunt (it is republished at most once a second), never run ahead.
          if (listed.playerCount > detail.playerCount) failures.push(`playerCount ${listed.playerCount}/${detail.playerCount}`);
          checks++;
        }
        // The same invariant on the database side, in one statement (one snapshot).
        const { rows } = await pool.query<{ detail: string; page: string }>(
          `select max(body) filter (where doc_key = $1) as detail, max(body) filter (where doc_key = $2) as page
             from snapshot_documents where doc_key in ($1, $2)`, [docKeys.hunt('atomic-hunt'), docKeys.leaderboardPage('atomic-hunt', 0)]);
        if (rows[0]?.detail && rows[0].page) {
          const detail = JSON.parse(rows[0].detail) as HuntDetailContent;
          const entries = JSON.parse(rows[0].page) as LeaderboardEntry[];
          if (entries.reduce((s, e) => s + e.cluesFound, 0) !== detail.findCount) failures.push('database rows mixed');
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    const poller = poll();
    await Promise.all(players.map(async (p, i) => {
      for (const clue of hunt.clues.slice(0, 1 + (i % 4))) {
        await answer(client, 'atomic-hunt', clue.id, p.token, `gem ${clue.position}`);
      }
    }));
    await eventually(async () => {
      const res = await client.get('/v1/hunts/atomic-hunt');
      return res.body.findCount === 30 ? true : undefined;
    }, 'all finds published');
    stop = true;
    await poller;
    expect(failures).to.deep.equal([]);
    expect(checks).to.be.greaterThan(20);
  });

  it('lets the full rebuild repair a change that was never marked dirty', async () => {
    const hunt = await createHunt(client, 'repair-hunt', [{ answers: ['fix'], points: 7 }]);
    const player = await registerPlayer(client, 'repairer');
    await eventually(async () => ((await client.get('/v1/hunts/repair-hunt')).status === 200 ? true : undefined), 'published');
    const huntId = await huntIdOf('repair-hunt');
    // Written behind the engine's back: no dirty mark, no notification.
    await pool.query(`insert into competitors (hunt_id, competitor_id, name) values ($1, $2, $3)`, [huntId, player.id, player.handle]);
    await pool.query(`insert into finds (competitor_id, clue_id, hunt_id, player_id, points, found_at) values ($1, $2, $3, $1, 7, now())`, [player.id, hunt.clues[0]!.id, huntId]);
    const rebuild = await client.post('/v1/admin/refresh', {}, { token: ADMIN_TOKEN });
    expect(rebuild.status).to.equal(202);
    const board = await eventually(async () => {
      const res = await client.get('/v1/hunts/repair-hunt/leaderboard');
      return res.body.total === 1 ? res.body : undefined;
    }, 'full rebuild published the unmarked find');
    expect(board.entries[0]).to.include({ handle: 'repairer', points: 7 });
    // The per-hunt path agrees with what the full rebuild published: nothing left to change.
    expect((await refreshHunt(engine.api.pool, huntId)).documentsChanged).to.equal(0);
    expect((await fullRebuild(engine.api.pool)).documentsChanged).to.equal(0);
  });

  it('keeps refreshing other hunts while one hunt keeps failing, and retries the failing one', async () => {
    const bad = await createHunt(client, 'failing-hunt', [{ answers: ['boom'] }], { status: 'draft' });
    await createHunt(client, 'healthy-hunt', [{ answers: ['fine'] }], { status: 'draft' });
    const badId = await huntIdOf('failing-hunt');
    // A real failure inside the refresh transaction of one hunt only.
    // Each attempt takes a number from a sequence, which its rollback does not give back.
    await pool.query('create sequence fail_attempts');
    await pool.query(`create function fail_one_hunt() returns trigger language plpgsql as $$
      begin if new.hunt_id = '${badId}' then perform nextval('fail_attempts'); raise exception 'injected failure'; end if; return new; end $$`);
    await pool.query(`create trigger fail_one_hunt before insert or update on hunt_publications for each row execute function fail_one_hunt()`);
    try {
      await client.patch('/v1/admin/hunts/failing-hunt', { status: 'live' }, { token: ADMIN_TOKEN });
      await client.patch('/v1/admin/hunts/healthy-hunt', { status: 'live' }, { token: ADMIN_TOKEN });
      await eventually(async () => ((await client.get('/v1/hunts/healthy-hunt')).status === 200 ? true : undefined), 'healthy hunt published');
      expect((await client.get('/v1/hunts/failing-hunt')).status).to.equal(404);
      // The first attempt, then at least one retry after its back-off (1 s).
      const attempts = await eventually(async () => {
        const { rows } = await pool.query('select last_value::int as n, is_called from fail_attempts');
        return rows[0].is_called && rows[0].n >= 2 ? rows[0].n : undefined;
      }, 'failing refresh retried');
      expect(attempts).to.be.at.least(2);
      expect((await pool.query('select count(*)::int as n from dirty_hunts where hunt_id = $1', [badId])).rows[0].n).to.equal(1);
    } finally {
      await pool.query('drop trigger fail_one_hunt on hunt_publications');
      await pool.query('drop function fail_one_hunt()');
      await pool.query('drop sequence fail_attempts');
    }
    // Once the fault is gone the hunt is published (the retry or the sweep picks it up).
    await eventually(async () => ((await client.get('/v1/hunts/failing-hunt')).status === 200 ? true : undefined), 'failing hunt recovered', 40_000);
    expect(bad.clues).to.have.length(1);
  });

  it('coalesces repeated triggers for one hunt into at most one waiting and one running job', async () => {
    await createHunt(client, 'busy-hunt', [{ answers: ['x'] }]);
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.post('/v1/admin/refresh', { hunt: 'busy-hunt' }, { token: ADMIN_TOKEN })));
    expect(replies.every((r) => r.status === 202)).to.equal(true);
    const huntId = await huntIdOf('busy-hunt');
    const { rows } = await pool.query(
      `select state, count(*)::int as n from pgboss.job where name = 'refresh-hunt' and singleton_key = $1 and state in ('created', 'retry', 'active') group by state`, [huntId]);
    for (const row of rows) expect(row.n, row.state).to.equal(1);
    expect(new Set(replies.map((r) => r.body.jobId)).size).to.be.lessThan(20);
  });

  it('fires the scheduled full rebuild once per interval across several workers', async function () {
    this.timeout(60_000);
    const config = testConfig(db.url, { fullRebuildIntervalSeconds: 2 });
    const workers = await Promise.all([startWorker(config, { schedule: true }), startWorker(config, { schedule: true })]);
    const since = (await pool.query('select now() as t')).rows[0].t as Date;
    await new Promise((r) => setTimeout(r, 7000));
    await Promise.all(workers.map((w) => w.stop()));
    const { rows } = await pool.query(
      `select singleton_on, count(*)::int as n from pgboss.job
        where name = 'full-rebuild' and singleton_on is not null and created_on >= $1
        group by singleton_on order by singleton_on`, [since]);
    expect(rows.length, 'one job per 2-second slot over 7 seconds').to.be.within(3, 5);
    for (const row of rows) expect(row.n).to.equal(1);
  });

  it('loads every published document in chunks of whole publishes, the same as in one go', async () => {
    const hunt = await createHunt(client, 'chunked-hunt', [{ answers: ['a'] }, { answers: ['b'] }]);
    const players = await Promise.all([0, 1, 2, 3].map((i) => registerPlayer(client, `chunk_${i}`)));
    await Promise.all(players.map((p, i) => answer(client, 'chunked-hunt', hunt.clues[i % 2]!.id, p.token, i % 2 ? 'b' : 'a')));
    await eventually(async () => ((await client.get('/v1/hunts/chunked-hunt/leaderboard')).body?.total === 4 ? true : undefined), 'published');
    const chunked = new SnapshotStore({ pool: engine.api.pool, connectionString: db.url, pollIntervalMs: 60_000, log: createLogger('test', 'silent'), loadChunkRows: 3 });
    try {
      await chunked.start();
      await engine.api.store.reload();
      // Every document but progress (held only once read).
      const { rows: [max] } = await pool.query(`select max(published_seq)::int as seq,
          count(*) filter (where body is not null and kind <> 'progress')::int as alive
        from snapshot_documents where format_version = $1`, [FORMAT_VERSION]);
      expect(chunked.lastSeq).to.equal(max.seq);
      expect(chunked.documents.size).to.equal(max.alive);
      expect([...chunked.boards.keys()].sort()).to.deep.equal([...engine.api.store.boards.keys()].sort());
      for (const [key, doc] of engine.api.store.documents) expect(chunked.get(key)?.body.equals(doc.body), key).to.equal(true);
    } finally {
      await chunked.stop();
    }
  });
});
