// Servers under test run as separate processes, optionally pinned to CPUs with taskset, always
// with a raised open-file limit (1000 connections need 1000+ descriptors on either side).
// Readings from /proc say what each process cost: CPU time of a process tree, resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { API_NODE_FLAGS, apiNodeEnv } from '../../src/api/node-flags.ts';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_ADMIN_TOKEN, BENCH_ANSWER_HASH_KEY } from './seed.ts';

export const OPEN_FILES = 65536;
/**
 * Shell prefix raising the open-file limit to 65536, or to the hard limit where that is lower and
 * cannot be raised (containers without CAP_SYS_RESOURCE, even as root); then it needs >= 2048.
 */
export const RAISE_OPEN_FILES = `{ ulimit -n ${OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; } && `
  + '[ "$(ulimit -n)" = unlimited -o "$(ulimit -n)" -ge 2048 ] || { echo "open-file limit $(ulimit -n) is too low for 1000 connections" >&2; exit 1; }; ';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const API_MAIN = `${ROOT}src/api/main.ts`;

/** `command` pinned to the CPUs in `cpus` (a taskset list such as "1"), or as is. */
export function pinned(command: string[], cpus?: string): string[] {
  return cpus === undefined ? command : ['taskset', '-c', cpus, ...command];
}

/** argv that runs `command` under bash with the open-file limit raised, pinned when `cpus` is set. */
export function wrapped(command: string[], cpus?: string): string[] {
  // exec: the pid we get is the pid of the program itself (taskset execs it too).
  return ['bash', '-c', `${RAISE_OPEN_FILES}exec "$@"`, 'bash', ...pinned(command, cpus)];
}

export interface ServerProcess {
  name: string;
  pid: number;
  url: string;
  child: ChildProcess;
  /** Last lines the process wrote to stderr (its log), for error messages. */
  stderr(): string;
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  /** A .ts or .js file run by this Node. */
  script: string;
  port: number;
  env?: NodeJS.ProcessEnv;
  cpus?: string;
  /** Path answered with 200 once the server can serve. */
  readyPath?: string;
  readyTimeoutMs?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

export async function spawnServer(opts: SpawnOptions): Promise<ServerProcess> {
  const argv = wrapped([process.execPath, ...(opts.nodeArgs ?? []), opts.script], opts.cpus);
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...opts.env, PORT: String(opts.port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => { log = (log + chunk.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  const server: ServerProcess = {
    name: opts.name, pid: child.pid!, url, child,
    stderr: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.name} exited while starting:\n${log}`);
    const ok = await fetch(url + (opts.readyPath ?? '/'), { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${opts.name} not ready within ${opts.readyTimeoutMs ?? 120_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ApiOptions {
  databaseUrl: string;
  port: number;
  processes?: number;
  cpus?: string;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}

/** `node src/api/main.ts` with the API's node flags, as in production (`npm run api`), ready once /readyz says so. */
export function spawnApi(opts: ApiOptions): Promise<ServerProcess> {
  return spawnServer({
    name: `api x${opts.processes ?? 1}${opts.cpus === undefined ? '' : ` (cpu ${opts.cpus})`}`,
    script: API_MAIN, port: opts.port, cpus: opts.cpus, readyPath: '/readyz', nodeArgs: [...API_NODE_FLAGS, ...(opts.nodeArgs ?? [])],
    env: {
      DATABASE_URL: opts.databaseUrl, HOST: '127.0.0.1', ADMIN_TOKEN: BENCH_ADMIN_TOKEN, ANSWER_HASH_KEY: BENCH_ANSWER_HASH_KEY,
      LOG_LEVEL: 'warn', API_PROCESSES: String(opts.processes ?? 1), ...apiNodeEnv(ROOT), ...opts.env,
    },
  });
}

/** Waits until every API process of a supervisor answers: /readyz on many fresh connections. */
export async function waitAllReady(url: string, attempts = 20): Promise<void> {
  for (let round = 0; round < 600; round++) {
    const codes = await Promise.all(Array.from({ length: attempts }, () => freshGet(`${url}/readyz`).catch(() => 0)));
    if (codes.every((c) => c === 200)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}: not every API process became ready`);
}

/** GET on a new connection (a supervisor hands each connection to the next process). */
function freshGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux x86-64 (getconf CLK_TCK)

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)", which may contain spaces: [0] is field 3 (state).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Pids of a process and all its descendants (an API supervisor and its workers). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields) parents.set(Number(entry), Number(fields[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** CPU seconds (user + system) used so far by a process tree. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const fields = statFields(p);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}

/** Resident memory of one process (VmRSS) and its peak (VmHWM), in bytes. */
export function residentMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = line[3]! + line[4]!;
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

/**
 * Connections the kernel dropped because a listen queue was full (TcpExt ListenOverflows, machine
 * wide): a burst of connects larger than the accept backlog shows up here.
 */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (!lines[i]!.startsWith('TcpExt:')) continue;
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    return Number(values[names.indexOf('ListenOverflows')] ?? NaN);
  }
  return NaN;
}

/** CPU ticks used so far by every process on the machine, with its name (for "who else was busy"). */
export function allProcessTicks(): Map<number, { name: string; ticks: number }> {
  const all = new Map<number, { name: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch { /* gone meanwhile */ }
  }
  return all;
}

/** The processes that used the most CPU between two allProcessTicks() snapshots, as "name(pid) cores". */
export function busiestBetween(before: Map<number, { ticks: number }>, after: Map<number, { name: string; ticks: number }>, seconds: number, top = 3): string[] {
  return [...after].map(([pid, p]) => ({ pid, name: p.name, cores: (p.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND / seconds }))
    .filter((p) => p.cores >= 0.05).sort((a, b) => b.cores - a.cores).slice(0, top)
    .map((p) => `${p.name}(${p.pid}) ${p.cores.toFixed(2)}`);
}

/** Connections waiting in the accept queue of the socket listening on `port` (IPv4 and IPv6). */
export function acceptQueue(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let queued = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, state 0A = LISTEN; for a listener rx_queue is its accept queue length.
      if (f.length > 4 && f[1]!.endsWith(`:${hexPort}`) && f[3] === '0A') queued += parseInt(f[4]!.split(':')[1]!, 16);
    }
  }
  return queued;
}

/**
 * Samples a listener's accept queue every `everyMs` until stopped: its peak, and when it last held
 * a connection (ms after the start), i.e. how long new connections waited to be accepted.
 */
export function watchAcceptQueue(port: number, everyMs = 20): { stop(): { peak: number; lastQueuedMs: number } } {
  const started = performance.now();
  let peak = 0;
  let lastQueuedMs = 0;
  const sample = () => {
    const n = acceptQueue(port);
    if (n > 0) lastQueuedMs = performance.now() - started;
    peak = Math.max(peak, n);
  };
  const timer = setInterval(sample, everyMs);
  return { stop() { clearInterval(timer); return { peak, lastQueuedMs }; } };
}

/**
 * On a shared machine, waits until the rest of it is nearly idle (busy below `maxBusyCores`
 * over a sample of `sampleMs`) before a measurement; gives up after `timeoutMs`. Returns the
 * busy cores of the last sample, so a caller can flag a run that started on a busy machine.
 */
export async function waitForQuiet(opts: { maxBusyCores?: number; sampleMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const a = machineCpu();
    await new Promise((r) => setTimeout(r, opts.sampleMs ?? 500));
    const b = machineCpu();
    const busy = ((b.busy - a.busy) / (b.total - a.total)) * os.availableParallelism();
    if (busy <= (opts.maxBusyCores ?? 0.25) || Date.now() > deadline) return busy;
  }
}
