// `npm run migrate`: applies SQL migrations from migrations/ to DATABASE_URL (or the embedded PGlite).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate, openDb, runCli } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run migrate [-- --verbose]
  Applies the SQL files in migrations/ that have not run yet to DATABASE_URL (unset: the embedded
  PGlite under DATA_DIR). Also done at every start-up; safe to run twice.`;

await runCli({ name: 'migrate', usage: USAGE }, async (argv) => {
  parseArgs({ args: argv, options: {} });
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    const { applied, skipped } = await migrate(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    if (skipped.length) console.log(`skipped (needs pgvector): ${skipped.join(', ')}`);
  } finally {
    await db.close();
  }
});
