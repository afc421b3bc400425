// `npm run bench:live-ops -- [--rounds 5]`
// The 1-second bounds of running a live hunt, measured from outside: how long after the moment
// (or the admin's request) a reader of the public documents sees it. Per round, on one API process
// and one worker over a database of their own (DATABASE_URL's server if set, else an embedded one):
// - start: a live hunt's startsAt passes; its public status turns from "scheduled" to "live";
// - end: its endsAt passes; the public status turns "ended";
// - timed unlock: a clue whose only condition is afterMinutes comes due; the public clue opens;
// - freeze: freezeAt passes; the leaderboard says frozen;
// - unfreeze: PATCH { freezeAt: null } answered; the leaderboard is live again;
// - hide: PATCH a competitor { hidden: true } answered; the leaderboard no longer lists it.
// Readers poll every 10 ms, so each figure is good to about 10 ms. Prints PASS/FAIL per target
// (every delay under 1,000 ms) and exits non-zero when one fails.
import { parseArgs } from 'node:util';
import { freePort } from '../src/core/embedded-postgres.ts';
import { apiCaller } from './support/api-call.ts';
import { openDurableDatabase } from './support/durable-database.ts';
import { spawnApi, type ServerProcess } from './support/processes.ts';
import { fmt, machine, sleep, table } from './support/report.ts';
import { spawnWorker } from './support/worker-process.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(values.rounds);
const BOUND_MS = 1000;
const POLL_MS = 10;

const log = (msg: string) => console.log(`[bench:live-ops] ${msg}`);
const host = machine();
log(`${host.cores} cores (${host.model}), ${host.memory}, Node ${host.node}, ${host.date}`);

const db = await openDurableDatabase('live_ops', log);
const processes: ServerProcess[] = [];
try {
  const api = await spawnApi({ databaseUrl: db.url, port: await freePort() });
  processes.push(api, await spawnWorker(db.url));
  const call = apiCaller(api.url);
  const get = async (path: string) => (await fetch(api.url + path)).json() as Promise<any>;
  /** Milliseconds from `since` (epoch ms) until `seen` holds for the public document at `path`. */
  const until = async (path: string, seen: (doc: any) => boolean, since: number): Promise<number> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const doc = await get(path).catch(() => undefined);
      if (doc !== undefined && seen(doc)) return Date.now() - since;
      if (Date.now() > deadline) throw new Error(`${path}: not seen within 30 s`);
      await sleep(POLL_MS);
    }
  };
  const delays: Record<string, number[]> = { start: [], end: [], 'timed unlock': [], freeze: [], unfreeze: [], hide: [] };
  const clue = (answer: string, extra: object = {}) => ({ title: 'A clue', body: 'Somewhere', points: 10, answers: [answer], ...extra });

  for (let round = 0; round < ROUNDS; round++) {
    const startsAt = Date.now() + 2500;
    const endsAt = startsAt + 2500;
    const windowed = `window-${round}`;
    await call('POST', '/v1/admin/hunts', {
      slug: windowed, title: 'Windowed', status: 'live', clues: [clue('a')],
      startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(),
    });
    // Started 58 s ago: its second clue opens 2 s from now (afterMinutes: 1).
    const opensAt = Date.now() + 2000;
    const timed = `timed-${round}`;
    await call('POST', '/v1/admin/hunts', {
      slug: timed, title: 'Timed', status: 'live', startsAt: new Date(opensAt - 60_000).toISOString(),
      clues: [clue('a'), clue('b', { unlock: { afterMinutes: 1 } })],
    });
    const freezeAt = Date.now() + 2000;
    const frozen = `frozen-${round}`;
    const created = await call('POST', '/v1/admin/hunts', {
      slug: frozen, title: 'Frozen', status: 'live', freezeAt: new Date(freezeAt).toISOString(), clues: [clue('a')],
    });
    const players = await Promise.all(['ann', 'bob'].map((n) => call('POST', '/v1/players', { handle: `lo_${n}_${round}` })));
    for (const p of players) await call('POST', `/v1/hunts/${frozen}/clues/${created.clues[0].id}/answers`, { answer: 'a' }, p.token);

    const [start, opened, freeze] = await Promise.all([
      until(`/v1/hunts/${windowed}`, (d) => d.status === 'live', startsAt),
      until(`/v1/hunts/${timed}`, (d) => d.clues?.[1]?.locked === false, opensAt),
      until(`/v1/hunts/${frozen}/leaderboard`, (d) => d.frozen === true, freezeAt),
    ]);
    delays.start!.push(start);
    delays['timed unlock']!.push(opened);
    delays.freeze!.push(freeze);
    delays.end!.push(await until(`/v1/hunts/${windowed}`, (d) => d.status === 'ended', endsAt));

    const asked = Date.now();
    await call('PATCH', `/v1/admin/hunts/${frozen}`, { freezeAt: null });
    delays.unfreeze!.push(await until(`/v1/hunts/${frozen}/leaderboard`, (d) => d.frozen === false, asked));
    await until(`/v1/hunts/${frozen}/leaderboard`, (d) => d.entries?.length === 2, asked);
    const hidden = Date.now();
    await call('PATCH', `/v1/admin/hunts/${frozen}/competitors/${players[0].id}`, { hidden: true });
    delays.hide!.push(await until(`/v1/hunts/${frozen}/leaderboard`, (d) => d.entries?.length === 1, hidden));
    log(`round ${round + 1}/${ROUNDS}: ${Object.entries(delays).map(([k, v]) => `${k} ${v.at(-1)} ms`).join(', ')}`);
  }

  const rows = Object.entries(delays).map(([what, ms]) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const worst = sorted.at(-1)!;
    return [what, fmt.int(sorted[Math.floor(sorted.length / 2)]!), fmt.int(worst), worst < BOUND_MS ? 'PASS' : 'FAIL'];
  });
  console.log(`\n${table(['moment', 'p50 ms', 'max ms', `target < ${fmt.int(BOUND_MS)} ms`], rows)}`);
  console.log(`\n${ROUNDS} rounds; database ${db.server}; readers poll every ${POLL_MS} ms (delays are good to about that)`);
  if (rows.some((r) => r[3] === 'FAIL')) process.exitCode = 1;
} finally {
  for (const p of processes.reverse()) await p.stop();
  await db.close();
}
