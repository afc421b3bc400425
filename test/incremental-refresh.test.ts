// The incremental refresh: each player change is one row, published exactly once; the documents
// it publishes are the bytes a full rebuild would write; a player sees their own find at once on
// every API process, before the leaderboard catches up; staleness is measured per answer.
import { expect } from 'chai';
import pg from 'pg';
import { FORMAT_VERSION } from '../src/core/documents.ts';
import { buildHuntDocuments } from '../src/worker/document-builder.ts';
import { PublishedStateCache } from '../src/worker/published-state-cache.ts';
import { loadHunt, loadHuntRows } from '../src/worker/read-model-rows.ts';
import { withHuntLock } from '../src/worker/hunt-lock.ts';
import { prepareHuntsIndex, writeHuntsIndex } from '../src/worker/publisher.ts';
import { refreshHunt, refreshHunts } from '../src/worker/refresh-hunt.ts';
import { startWorker } from '../src/worker/worker.ts';
import { createPool } from '../src/core/db.ts';
import { Client } from './support/client.ts';
import { ADMIN_TOKEN, eventually, startEngine, testConfig, type Engine } from './support/engine.ts';
import { answer, createHunt, registerPlayer, unpublishedChanges } from './support/fixtures.ts';
import { sample } from './support/metrics.ts';
import { seededRandom } from './support/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

describe('incremental refresh', () => {
  let db: TestDatabase;
  // Two API processes and no worker: the tests decide when a refresh runs.
  let one: Engine;
  let two: Engine;
  let a: Client;
  let b: Client;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase('incremental');
    one = await startEngine(db.url, { worker: false });
    two = await startEngine(db.url, { worker: false });
    a = new Client(one.url);
    b = new Client(two.url);
    pool = createPool(db.url, 5, 'test');
  });

  after(async () => {
    await pool?.end();
    await two?.stop();
    await one?.stop();
    await db?.drop();
  });

  const huntIdOf = async (slug: string) => (await pool.query('select id from hunts where slug = $1', [slug])).rows[0].id as string;
  const stored = async (huntId: string) => new Map((await pool.query<{ doc_key: string; body: string }>(
    'select doc_key, body from snapshot_documents where hunt_id = $1 and format_version = $2 and body is not null',
    [huntId, FORMAT_VERSION])).rows.map((r) => [r.doc_key, r.body]));
  const unstamped = (body: string) => {
    const parsed = JSON.parse(body);
    if (Array.isArray(parsed)) return JSON.stringify(parsed); // a leaderboard page carries no stamp
    const { version: _v, generatedAt: _g, ...content } = parsed;
    return JSON.stringify(content);
  };

  it('records each change as one row and deletes it in the publish that includes it', async () => {
    const hunt = await createHunt(a, 'ledger-hunt', [{ answers: ['amber'], points: 5 }, { answers: ['onyx'], points: 7 }]);
    const huntId = await huntIdOf('ledger-hunt');
    expect((await refreshHunt(one.api.pool, huntId)).path).to.equal('full'); // created: never published
    const player = await registerPlayer(a, 'ledger_keeper');
    await answer(a, 'ledger-hunt', hunt.clues[0]!.id, player.token, 'nope'); // joins: a change without a find
    await answer(a, 'ledger-hunt', hunt.clues[0]!.id, player.token, 'amber');
    await answer(a, 'ledger-hunt', hunt.clues[0]!.id, player.token, 'AMBER'); // a repeat changes nothing
    const { rows } = await pool.query('select competitor_id as player_id, clue_id, recorded_at from read_model_changes where hunt_id = $1 order by id', [huntId]);
    expect(rows.map((r) => r.clue_id)).to.deep.equal([null, hunt.clues[0]!.id]);
    const findAt = (await pool.query('select found_at from finds where player_id = $1', [player.id])).rows[0].found_at as Date;
    // Recorded after the find (staleness is counted from it), give or take found_at's rounding to
    // the millisecond (timestamptz(3)); the two clock readings can be microseconds apart.
    expect(rows[1].recorded_at.getTime()).to.be.at.least(findAt.getTime() - 1);

    const outcome = await refreshHunt(one.api.pool, huntId);
    expect(outcome).to.include({ path: 'incremental', changesPublished: 2 });
    expect(await unpublishedChanges(pool, huntId)).to.equal(0);
    expect((await refreshHunt(one.api.pool, huntId)).path, 'nothing left to do').to.equal('none');
  });

  it('publishes, change after change, the same bytes as a full rebuild (apart from version and generatedAt)', async () => {
    const rnd = seededRandom(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const slugs = ['same-bytes-a', 'same-bytes-b'];
    // First-finder bonuses, and organisers' adjustments between rounds: more events in the ledger.
    const hunts = await Promise.all(slugs.map((slug, h) => createHunt(a, slug,
      Array.from({ length: 4 }, (_, c) => ({ answers: [`word ${h} ${c}`], points: [5, 10, 10, 20][c]! })), { firstFinderBonus: [3, 2, 1] })));
    const ids = await Promise.all(slugs.map(huntIdOf));
    for (const id of ids) await refreshHunt(one.api.pool, id);
    // Enough players for several leaderboard pages, so moves across page boundaries happen.
    const players = await Promise.all(Array.from({ length: 120 }, (_, i) => registerPlayer(i % 2 ? a : b, `same_${i}`)));
    const paths = new Set<string>();
    // A worker that remembers what it published (its one-round-trip path), hunt by hunt in round 1
    // and both hunts in one batch otherwise, and, in round 2, one that reads the published pages
    // back: all must give the same bytes. The last rounds are batches from memory, so what is
    // compared below is what that path wrote.
    const cache = new PublishedStateCache();
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 90 }, () => {
        const h = Math.floor(rnd() * hunts.length);
        const c = Math.floor(rnd() * 4);
        return { h, c, player: pick(players), text: rnd() < 0.7 ? `word ${h} ${c}` : 'a wrong guess' };
      });
      const replies = await Promise.all(batch.flatMap((x) => (rnd() < 0.2 ? [x, x] : [x]))
        .map((x) => answer(rnd() < 0.5 ? a : b, slugs[x.h]!, hunts[x.h]!.clues[x.c]!.id, x.player.token, x.text)));
      expect(replies.every((r) => r.status === 200)).to.equal(true);
      const adjusted = batch[0]!;
      const adjustment = await a.post(`/v1/admin/hunts/${slugs[adjusted.h]}/adjustments`,
        { competitorId: adjusted.player.id, points: round % 2 ? -7 : 4, reason: `round ${round}` }, { token: ADMIN_TOKEN });
      expect(adjustment.status, adjustment.text).to.equal(201);
      if (round === 1 || round === 2) {
        for (const id of ids) paths.add((await refreshHunt(one.api.pool, id, round === 2 ? {} : { cache })).path);
      } else {
        for (const r of await refreshHunts(one.api.pool, ids, cache)) paths.add('outcome' in r ? r.outcome.path : String(r.error));
      }
    }
    expect([...paths]).to.deep.equal(['incremental']);

    for (const [i, id] of ids.entries()) {
      const incremental = await stored(id);
      expect(incremental.size).to.be.greaterThan(60);
      // What the full path builds from the base tables right now, serialized the way it stores it.
      const hunt = (await loadHunt(pool, id))!;
      const full = buildHuntDocuments(await loadHuntRows(pool, hunt));
      const drafts = [full.detail, full.feed, full.board.head, ...full.board.pages, ...full.progress];
      expect(drafts.map((d) => d.key).sort(), `${slugs[i]}: same documents`).to.deep.equal([...incremental.keys()].sort());
      for (const draft of drafts) {
        expect(unstamped(incremental.get(draft.key)!), draft.key).to.equal(JSON.stringify(draft.content));
      }
      // And the full path, run for real, leaves every document of the hunt as it is (same rows,
      // same versions; only the hunts index, which incremental refreshes leave to the worker's
      // timer, may be republished).
      await refreshHunt(one.api.pool, id, { full: true });
      expect(await stored(id), slugs[i]).to.deep.equal(incremental);
    }
  });

  it('refreshes several hunts in one publish, leaving a hunt another worker is refreshing to it', async () => {
    const slugs = ['batch-a', 'batch-b', 'batch-c'];
    const hunts = await Promise.all(slugs.map((slug) => createHunt(a, slug, [{ answers: ['flint'], points: 4 }])));
    const ids = await Promise.all(slugs.map(huntIdOf));
    const cache = new PublishedStateCache();
    for (const id of ids) await refreshHunt(one.api.pool, id, { cache });
    const player = await registerPlayer(a, 'batch_runner');
    for (const [i, slug] of slugs.entries()) await answer(a, slug, hunts[i]!.clues[0]!.id, player.token, 'flint');
    const seqBefore = Number((await pool.query('select max(published_seq) as seq from snapshot_documents')).rows[0].seq);

    // Another worker holds batch-c.
    const results = await withHuntLock(pool, ids[2]!, () => refreshHunts(one.api.pool, ids, cache));
    expect(results.map((r) => ('outcome' in r ? r.outcome.path : r.error))).to.deep.equal(['incremental', 'incremental', 'busy']);
    const { rows } = await pool.query<{ hunt_id: string; published_seq: string }>(
      'select distinct hunt_id, published_seq from snapshot_documents where hunt_id = any($1) and published_seq > $2', [ids, seqBefore]);
    expect(rows.map((r) => r.hunt_id).sort(), 'the two free hunts, published').to.deep.equal([ids[0], ids[1]].sort());
    expect(new Set(rows.map((r) => r.published_seq)).size, 'in one publish').to.equal(1);
    expect([await unpublishedChanges(pool, ids[0]), await unpublishedChanges(pool, ids[1]), await unpublishedChanges(pool, ids[2])])
      .to.deep.equal([0, 0, 1]); // batch-c's find waits for its own refresh

    const [last] = await refreshHunts(one.api.pool, [ids[2]!], cache);
    expect(last && 'outcome' in last && last.outcome.path).to.equal('incremental');
    for (const [client, slug] of [[a, 'batch-a'], [b, 'batch-c']] as const) {
      await eventually(async () => {
        const res = await client.get(`/v1/hunts/${slug}/leaderboard`);
        return res.body.total === 1 && res.body.entries[0].playerId === player.id ? res.body : undefined;
      }, `${slug} served with the find`);
    }
  });

  it("shows a player's find in their progress on every API process before the leaderboard is republished", async () => {
    const hunt = await createHunt(a, 'ryw-hunt', [{ answers: ['quartz'], points: 12 }, { answers: ['slate'], points: 3 }]);
    const huntId = await huntIdOf('ryw-hunt');
    await refreshHunt(one.api.pool, huntId);
    const [rival, me] = [await registerPlayer(a, 'ryw_rival'), await registerPlayer(a, 'ryw_me')];
    await answer(a, 'ryw-hunt', hunt.clues[1]!.id, rival.token, 'slate');
    await refreshHunt(one.api.pool, huntId);
    const board = await eventually(async () => {
      const [ra, rb] = await Promise.all([a.get('/v1/hunts/ryw-hunt/leaderboard'), b.get('/v1/hunts/ryw-hunt/leaderboard')]);
      return ra.body.total === 1 && rb.body.version === ra.body.version ? ra.body : undefined;
    }, 'rival on both leaderboards');

    for (const [client, clue, text] of [[a, 0, 'quartz'], [b, 1, 'slate']] as const) {
      expect((await answer(client, 'ryw-hunt', hunt.clues[clue]!.id, me.token, text)).body.correct).to.equal(true);
      // From both processes, with no refresh in between (no worker runs here): the answering one
      // at once, the other as soon as the NOTIFY sent before the answer's response reaches it.
      for (const reader of [client, client === a ? b : a]) {
        const res = await eventually(async () => {
          const r = await reader.get(`/v1/hunts/ryw-hunt/players/${me.id}`);
          return r.body.finds?.some((f: { clueId: string }) => f.clueId === hunt.clues[clue]!.id) ? r : undefined;
        }, 'the find in the progress', reader === client ? 0 : 5000);
        expect(res.status).to.equal(200);
        expect(res.body.leaderboardVersion, 'rank from the leaderboard still served').to.equal(board.version);
        expect(res.body.rank).to.equal(null);
      }
    }
    const before = await b.get(`/v1/hunts/ryw-hunt/players/${me.id}`);
    expect(before.body).to.include({ points: 15, cluesFound: 2 });
    expect((await b.get('/v1/hunts/ryw-hunt/leaderboard')).body.total, 'leaderboard not republished yet').to.equal(1);

    await refreshHunt(one.api.pool, huntId);
    const after = await eventually(async () => {
      const res = await b.get(`/v1/hunts/ryw-hunt/players/${me.id}`);
      return res.body.rank === 1 ? res : undefined;
    }, 'rank after the republish');
    expect(after.body).to.include({ points: 15, cluesFound: 2, rank: 1 });
    expect(after.body.leaderboardVersion).to.be.greaterThan(board.version);
    expect(after.headers.get('etag')).to.not.equal(before.headers.get('etag'));
  });

  it('serves the ranks of players on leaderboard pages a publish left unchanged', async () => {
    const hunt = await createHunt(a, 'kept-page-hunt', [{ answers: ['cobalt'], points: 10 }]);
    const huntId = await huntIdOf('kept-page-hunt');
    const players = [];
    for (let i = 0; i < 52; i++) players.push(await registerPlayer(a, `kept_${String(i).padStart(2, '0')}`));
    // 51 finds fill page 0 and start page 1; the 52nd, the latest, lands at the end of page 1.
    for (const p of players.slice(0, 51)) await answer(a, 'kept-page-hunt', hunt.clues[0]!.id, p.token, 'cobalt');
    await refreshHunt(one.api.pool, huntId);
    const pageVersion = async (n: number) => Number((await pool.query('select version from snapshot_documents where doc_key = $1 and format_version = $2',
      [`leaderboard:kept-page-hunt:page:${n}`, FORMAT_VERSION])).rows[0].version);
    const [page0, page1] = [await pageVersion(0), await pageVersion(1)];
    await answer(a, 'kept-page-hunt', hunt.clues[0]!.id, players[51]!.token, 'cobalt');
    expect((await refreshHunt(one.api.pool, huntId)).path).to.equal('incremental');
    expect(await pageVersion(0), 'page 0 not rewritten').to.equal(page0);
    expect(await pageVersion(1), 'page 1 rewritten').to.be.greaterThan(page1);

    for (const client of [a, b]) {
      const board = await eventually(async () => {
        const res = await client.get('/v1/hunts/kept-page-hunt/leaderboard?limit=100');
        return res.body.total === 52 ? res.body : undefined;
      }, 'the second publish installed');
      for (const entry of board.entries as { playerId: string; rank: number }[]) {
        const res = await client.get(`/v1/hunts/kept-page-hunt/players/${entry.playerId}`);
        expect(res.body.rank, `rank of ${entry.playerId}`).to.equal(entry.rank);
      }
    }
  });

  it('measures staleness per accepted answer, from its commit to the document installed', async () => {
    const hunt = await createHunt(a, 'stale-hunt', [{ answers: ['tin'] }, { answers: ['zinc'] }]);
    const huntId = await huntIdOf('stale-hunt');
    await refreshHunt(one.api.pool, huntId);
    const count = async () => {
      return sample((await b.get('/metrics')).text, 'treasure_snapshot_staleness_seconds_count');
    };
    const start = await count();
    const players = await Promise.all([0, 1, 2].map((i) => registerPlayer(a, `stale_${i}`)));
    for (const p of players) {
      await answer(a, 'stale-hunt', hunt.clues[0]!.id, p.token, 'tin');
      await answer(a, 'stale-hunt', hunt.clues[1]!.id, p.token, 'wrong'); // not an accepted answer
    }
    expect(await count()).to.equal(start);
    await refreshHunt(one.api.pool, huntId);
    await eventually(async () => ((await count()) === start + 3 ? true : undefined), 'three answers observed');
  });

  it('publishes every change made while no worker ran, once one starts', async () => {
    const hunt = await createHunt(a, 'no-worker-hunt', [{ answers: ['ash'], points: 4 }, { answers: ['elm'], points: 6 }]);
    await refreshHunt(one.api.pool, await huntIdOf('no-worker-hunt'));
    const players = await Promise.all([0, 1, 2, 3].map((i) => registerPlayer(b, `nw_${i}`)));
    for (const [i, p] of players.entries()) {
      expect((await answer(i % 2 ? a : b, 'no-worker-hunt', hunt.clues[i % 2]!.id, p.token, i % 2 ? 'elm' : 'ash')).body.correct).to.equal(true);
    }
    const huntId = await huntIdOf('no-worker-hunt');
    // The NOTIFYs went to nobody; the duty to publish is in the database, as change rows.
    expect((await pool.query('select count(*)::int as n from read_model_changes where hunt_id = $1', [huntId])).rows[0].n).to.equal(4);
    expect(await unpublishedChanges(pool, huntId)).to.equal(4);
    const worker = await startWorker(testConfig(db.url), { schedule: false });
    try {
      const board = await eventually(async () => {
        const res = await b.get('/v1/hunts/no-worker-hunt/leaderboard');
        return res.body?.total === 4 ? res.body : undefined;
      }, 'all four published by the worker started afterwards');
      expect(board.entries.map((e: { points: number }) => e.points)).to.deep.equal([6, 6, 4, 4]);
      await eventually(async () => (await unpublishedChanges(pool, huntId) === 0 ? true : undefined), 'nothing left pending');
    } finally {
      await worker.stop();
    }
  });

  it('lists a hunt in the hunts index again after a full refresh, even when its listing did not change', async () => {
    await createHunt(a, 'relisted-hunt', [{ answers: ['oak'] }]);
    const huntId = await huntIdOf('relisted-hunt');
    await refreshHunt(one.api.pool, huntId);
    // The index lost (as migration 003 drops every older document), the listing row unchanged.
    await pool.query(`delete from snapshot_documents where doc_key = 'hunts'`);
    await refreshHunt(one.api.pool, huntId, { full: true });
    const { rows } = await pool.query(`select body from snapshot_documents where doc_key = 'hunts' and body is not null`);
    expect(rows).to.have.length(1);
    expect(JSON.parse(rows[0].body).hunts.map((h: { slug: string }) => h.slug)).to.include('relisted-hunt');
  });

  it('never replaces the hunts index with one built from an earlier read', async () => {
    const hunt = await createHunt(a, 'index-race-hunt', [{ answers: ['elm'] }]);
    const huntId = await huntIdOf('index-race-hunt');
    await refreshHunt(one.api.pool, huntId);
    const listedCount = async () => {
      const { rows } = await pool.query(`select body from snapshot_documents where doc_key = 'hunts' and body is not null`);
      return (JSON.parse(rows[0].body).hunts as { slug: string; playerCount: number }[]).find((h) => h.slug === 'index-race-hunt')!.playerCount;
    };
    const joinAndRefresh = async (handle: string) => {
      const player = await registerPlayer(a, handle);
      await answer(a, 'index-race-hunt', hunt.clues[0]!.id, player.token, 'elm');
      expect((await refreshHunt(one.api.pool, huntId)).indexStale, 'the listing changed, the index left stale').to.equal(true);
    };
    await joinAndRefresh('index_racer_1');
    const earlier = await prepareHuntsIndex(pool); // one player
    await joinAndRefresh('index_racer_2');
    const later = await prepareHuntsIndex(pool); // two players
    expect((await writeHuntsIndex(pool, later)).written).to.equal(true);
    expect(await listedCount()).to.equal(2);
    expect((await writeHuntsIndex(pool, earlier)).written, 'built from an earlier read').to.equal(false);
    expect(await listedCount()).to.equal(2);
  });

  it('answers an admin refresh of one hunt with a full refresh, even when a job for it is already waiting', async () => {
    await createHunt(a, 'admin-full-hunt', [{ answers: ['yew'] }]);
    const huntId = await huntIdOf('admin-full-hunt');
    await refreshHunt(one.api.pool, huntId);
    const res = await a.post('/v1/admin/refresh', { hunt: 'admin-full-hunt' }, { token: ADMIN_TOKEN });
    expect(res.status).to.equal(202);
    expect((await refreshHunt(one.api.pool, huntId)).path, 'whichever job runs next').to.equal('full');
  });
});
