// What PostgreSQL's backends are doing while a benchmark runs (pg_stat_statements is not loaded on
// these servers): pg_stat_activity sampled for (client, state, wait event) counts, where "active: CPU" is
// running and "idle in transaction" is waiting for its client between statements; and the CPU
// time of each backend from /proc, summed by application_name (api, worker, pg-boss, ...), so the
// server's CPU can be split by who asked for it.
import pg from 'pg';
import { childrenOf, ownCpuSeconds as cpuSeconds } from './postgres-process.ts';

export interface PgActivity {
  samples: number;
  waits: [string, number][];
  /** CPU seconds of backends per application_name; "(server)" is the postmaster's own processes. */
  cpuByClient: [string, number][];
}
export interface PgSampler { stop(): Promise<PgActivity> }

export async function samplePgActivity(url: string, postmasterPid: number, everyMs = 100): Promise<PgSampler> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-sampler' });
  await client.connect();
  const waits = new Map<string, number>();
  const names = new Map<number, string>();
  // CPU of every child of the postmaster at start; a backend started later starts from 0.
  const cpuAtStart = new Map(childrenOf(postmasterPid).map((pid) => [pid, cpuSeconds(pid)]));
  const lastCpu = new Map<number, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ pid: number; app: string; state: string | null; wait: string | null; db: string | null }>(
        `select pid, coalesce(nullif(application_name, ''), backend_type) as app, state, datname as db,
                coalesce(wait_event_type || '/' || wait_event, 'CPU') as wait
           from pg_stat_activity where pid <> pg_backend_pid()`);
      samples++;
      for (const r of rows) {
        names.set(r.pid, r.app);
        // Backends that exit before the end are counted up to their last sample.
        lastCpu.set(r.pid, cpuSeconds(r.pid) || (lastCpu.get(r.pid) ?? 0));
        if (r.state && r.state !== 'idle' && r.db === client.database) {
          const key = `${r.app} ${r.state}: ${r.wait}`;
          waits.set(key, (waits.get(key) ?? 0) + 1);
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      const byClient = new Map<string, number>();
      const pids = new Set([...childrenOf(postmasterPid), ...lastCpu.keys()]);
      for (const pid of pids) {
        const used = (cpuSeconds(pid) || lastCpu.get(pid) || 0) - (cpuAtStart.get(pid) ?? 0);
        const name = names.get(pid) ?? '(server)';
        byClient.set(name, (byClient.get(name) ?? 0) + used);
      }
      return {
        samples,
        waits: [...waits].sort((a, b) => b[1] - a[1]).slice(0, 12),
        cpuByClient: [...byClient].filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]),
      };
    },
  };
}
