// Database pool metrics, the same in both processes: connections by state, the configured maximum,
// and how long callers wait for a connection (pool saturation shows here before anywhere else).
import type pg from 'pg';
import { Gauge, Histogram, type Registry } from 'prom-client';

export function instrumentPool(pool: pg.Pool, registry: Registry, max: number): void {
  new Gauge({
    name: 'treasure_db_pool_connections',
    help: 'Pooled database connections by state (waiting: callers queued for a connection).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({ name: 'treasure_db_pool_max', help: 'Configured maximum of the pool.', registers: [registry] }).set(max);
  const acquire = new Histogram({
    name: 'treasure_db_pool_acquire_seconds',
    help: 'Time spent waiting for a pooled connection.',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  // pool.query() checks out through pool.connect() too, so wrapping connect times every acquisition.
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { connect: unknown }).connect = (...args: unknown[]) => {
    const end = acquire.startTimer();
    const callback = args[0];
    if (typeof callback === 'function') {
      return connect((err: unknown, client: unknown, release: unknown) => {
        end();
        (callback as (...a: unknown[]) => void)(err, client, release);
      });
    }
    return (connect() as Promise<pg.PoolClient>).finally(end);
  };
}
