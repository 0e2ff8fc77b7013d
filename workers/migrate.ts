// `npm run migrate`: applies SQL migrations from migrations/ to DATABASE_URL (or the embedded PGlite).
import path from 'node:path';
import { migrate, openDb } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const cfg = loadConfigOrExit();
const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
try {
  const { applied, skipped } = await migrate(db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  if (skipped.length) console.log(`skipped (needs pgvector): ${skipped.join(', ')}`);
} finally {
  await db.close();
}
