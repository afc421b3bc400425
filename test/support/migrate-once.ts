// Child process of the migration race test: migrate DATABASE_URL and print what was applied.
import { createPool } from '../../src/core/db.ts';
import { migrate } from '../../src/core/migrate.ts';

const pool = createPool(process.env.DATABASE_URL!, 2, 'migrate-once');
try {
  console.log(JSON.stringify(await migrate(pool)));
} finally {
  await pool.end();
}
