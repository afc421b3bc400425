// One engine for a test file: its own database, an API and a worker, a client and a small pool for
// looking at the database, set up before the file's tests and torn down after them (mocha hooks).
import type pg from 'pg';
import { createPool } from '../../src/core/db.ts';
import { Client } from './client.ts';
import { startEngine, type Engine } from './engine.ts';
import { createTestDatabase, type TestDatabase } from './test-databases.ts';

export interface EngineSuite { db: TestDatabase; engine: Engine; client: Client; pool: pg.Pool }

/** Call at the top of a describe(): the returned object is filled in by its before hook. */
export function engineSuite(name: string, opts: Parameters<typeof startEngine>[1] = {}, poolMax = 2): EngineSuite {
  const suite = {} as EngineSuite;
  before(async () => {
    suite.db = await createTestDatabase(name);
    suite.engine = await startEngine(suite.db.url, opts);
    suite.client = new Client(suite.engine.url);
    suite.pool = createPool(suite.db.url, poolMax, `test-${name}`);
  });
  after(async () => {
    await suite.engine?.stop();
    await suite.pool?.end();
    await suite.db?.drop();
  });
  return suite;
}
