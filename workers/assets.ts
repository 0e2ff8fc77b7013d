// `npm run assets -- import <file.csv|file.yaml>…` and `npm run assets -- export-examples`:
// the asset registry and fault-code catalogue for /diagnose, and the labelled-example export.
import path from 'node:path';
import { importAssetsFile, labelledExamples, migrate, openDb } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const [cmd, ...files] = process.argv.slice(2);
const cfg = loadConfigOrExit();
const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
let failed = false;
try {
  await migrate(db);
  if (cmd === 'import' && files.length) {
    for (const f of files) {
      const r = await importAssetsFile(db, f);
      if (r.errors.length) {
        failed = true;
        console.error(`${f}: ${r.errors.length} invalid row(s), nothing imported:\n  ${r.errors.join('\n  ')}`);
      } else console.log(`${f}: ${r.imported} ${r.kind === 'assets' ? 'asset(s)' : 'fault code(s)'} imported`);
    }
  } else if (cmd === 'export-examples') {
    for (const e of await labelledExamples(db)) console.log(JSON.stringify(e));
  } else {
    console.error('usage: npm run assets -- import <file.csv|file.yaml>… | export-examples');
    failed = true;
  }
} finally {
  await db.close();
}
process.exit(failed ? 1 : 0);
