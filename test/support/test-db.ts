import { createPgDb, createPgliteDb, type Db } from '../../src/index.js';
import { TEST_DATABASE_URL, uniqueId } from './test-config.js';

/** A real PostgreSQL database in a fresh schema (dropped by `close`). */
export async function createTestPgDb(): Promise<Db> {
  const schema = uniqueId('s').toLowerCase();
  const db = await createPgDb({ connectionString: TEST_DATABASE_URL, schema, max: 4 });
  const close = db.close;
  return {
    ...db,
    close: async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await close();
    },
  };
}

/** An in-memory PGlite database. */
export const createTestPgliteDb = (): Promise<Db> => createPgliteDb({ dataDir: 'memory://' });
