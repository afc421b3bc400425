// `npm run api` with API_PROCESSES=2: a supervisor and two API processes on one port. Both
// serve, one killed is replaced, and SIGTERM stops them all and exits 0 within a bound. A
// restarted API process finds its modules in Node's compile cache.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { API_COMPILE_CACHE, API_NODE_FLAGS } from '../src/api/node-flags.ts';
import { freePort } from '../src/core/embedded-postgres.ts';
import { ADMIN_TOKEN, ANSWER_HASH_KEY, eventually } from './support/engine.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

const API_MAIN = fileURLToPath(new URL('../src/api/main.ts', import.meta.url));
const EXIT_BOUND_MS = 10_000;

/** Pids whose parent is `pid` (from /proc, no ps needed). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return found.sort();
}

/** GET on a fresh connection each time, so the primary hands each to the next process. */
function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('API_PROCESSES', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let child: ReturnType<typeof spawn> | undefined;

  before(async () => { db = await createTestDatabase('api_processes'); });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }
    await db?.drop();
  });

  it('is started by `npm run api` with the API node flags and compile cache', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.api).to.equal(
      `NODE_COMPILE_CACHE=\${NODE_COMPILE_CACHE:-${API_COMPILE_CACHE}} node ${API_NODE_FLAGS.join(' ')} src/api/main.ts`);
  });

  it('starts again from the compile cache without reserving the TypeScript stripper\'s WebAssembly memory', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'api-compile-cache-'));
    // The stripper's WebAssembly memory reserves about 8 GiB of address space (not resident): a
    // process that loaded it is far above this line, one that did not (about 1.5 GiB) far below.
    const STRIPPER_RESERVED = 4 * 2 ** 30;
    const virtualSize = (pid: number) => Number(/VmSize:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
    try {
      const sizes: number[] = [];
      for (const start of ['cold cache', 'warm cache']) {
        const port = await freePort();
        const api = spawn(process.execPath, [...API_NODE_FLAGS, API_MAIN], {
          env: {
            ...process.env, NODE_COMPILE_CACHE: cache,
            DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN, ANSWER_HASH_KEY, LOG_LEVEL: 'error',
          },
          stdio: 'ignore',
        });
        const exit = new Promise<number | null>((resolve) => api.once('exit', (code) => resolve(code)));
        await eventually(async () => ((await status(port, '/readyz').catch(() => 0)) === 200 ? true : undefined), `ready (${start})`);
        sizes.push(virtualSize(api.pid!));
        api.kill('SIGTERM');
        expect(await exit).to.equal(0);
      }
      expect(sizes[0], 'the first start strips types itself').to.be.above(STRIPPER_RESERVED);
      expect(sizes[1], 'a restart finds every module in the cache').to.be.below(STRIPPER_RESERVED);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('runs two API processes on one port, with its node flags, replaces one that dies, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [...API_NODE_FLAGS, API_MAIN], {
      env: { ...process.env, API_PROCESSES: '2', DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN, ANSWER_HASH_KEY, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exit = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const primary = child.pid!;

    const first = await eventually(() => (childrenOf(primary).length === 2 ? childrenOf(primary) : undefined), 'two api processes');
    for (const pid of first) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv, 'a forked process keeps the flags').to.include.members(API_NODE_FLAGS);
    }
    await eventually(async () => ((await status(port, '/readyz').catch(() => 0)) === 200 ? true : undefined), 'ready');
    // Both must be ready before every connection succeeds: round-robin reaches each of them.
    await eventually(async () => {
      const codes = await Promise.all(Array.from({ length: 10 }, () => status(port, '/readyz').catch(() => 0)));
      return codes.every((c) => c === 200) ? true : undefined;
    }, 'every connection ready');
    expect(await status(port, '/v1/hunts')).to.equal(200);

    process.kill(first[0]!, 'SIGKILL');
    const replaced = await eventually(() => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(first[0]!) ? now : undefined;
    }, 'a replacement process');
    expect(replaced).to.include(first[1]!);
    await eventually(async () => {
      const codes = await Promise.all(Array.from({ length: 10 }, () => status(port, '/readyz').catch(() => 0)));
      return codes.every((c) => c === 200) ? true : undefined;
    }, 'every connection ready after the restart');

    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exit, stderr).to.equal(0);
    expect(Date.now() - signalled).to.be.below(EXIT_BOUND_MS);
    expect(childrenOf(primary)).to.deep.equal([]);
    for (const pid of replaced) expect(() => process.kill(pid, 0)).to.throw();
  });
});
