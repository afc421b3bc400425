// The PostgreSQL server as processes (it runs on this machine: loopback only): its postmaster,
// CPU time including backends that already exited, and memory. Backends share shared_buffers, so
// memory is summed as PSS (proportional), which RSS would count once per backend.
import { readFileSync, readdirSync } from 'node:fs';
import type pg from 'pg';

const TICKS = 100; // USER_HZ on Linux x86-64

function statFields(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' '); // [0] is field 3 (state)
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of this one process (0 once it is gone). */
export function ownCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS : 0;
}

export function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(statFields(Number(e))?.[1]) === pid).map(Number);
}

/** The postmaster of the server `db` is connected to: the parent of its backend. */
export async function postmasterPid(db: pg.Pool | pg.Client): Promise<number> {
  const { rows: [row] } = await db.query<{ pid: number }>('select pg_backend_pid() as pid');
  return Number(statFields(row!.pid)?.[1] ?? 0);
}

/** CPU seconds of the postmaster and all its backends, those already reaped included (cutime). */
export function serverCpuSeconds(postmaster: number): number {
  const f = statFields(postmaster);
  if (!f) return 0;
  const own = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
  return own + childrenOf(postmaster).reduce((sum, child) => sum + ownCpuSeconds(child), 0);
}

/** PSS of the postmaster and its children, in bytes. */
export function serverPss(postmaster: number): number {
  let kb = 0;
  for (const pid of [postmaster, ...childrenOf(postmaster)]) {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch { /* exited */ }
  }
  return kb * 1024;
}
