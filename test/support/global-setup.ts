// Mocha global fixtures: one database server for the whole run.
import { setUpServer, tearDownServer } from './test-databases.ts';

export async function mochaGlobalSetup(): Promise<void> {
  await setUpServer();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await tearDownServer();
}
