// `npm run assets -- <command>`: the asset registry and fault-code catalogue for `/diagnose`,
// and the export of resolved diagnoses as labelled fine-tuning examples.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportLabelledExamples, importRegistryFile, listAssets, migrate, openDb, type Db } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run assets -- <command> [options]
  import <file.csv|file.yaml> [more files]   assets (id,name,model,location,scope,oncall) or fault codes
                                             (model,code,meaning,severity), told apart by the header;
                                             re-importing updates rows in place; any error → nothing written
  list                                       the registered assets
  export-examples [--out <file.jsonl>]       resolved diagnoses as labelled examples (JSONL; stdout without --out)`;

class UsageError extends Error {}

const { values: v, positionals: pos } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();

/** Prints to stdout what went well and to stderr each problem as `file:line: message`. Returns the exit code. */
async function run(db: Db, cmd: string | undefined, args: string[]): Promise<number> {
  switch (cmd) {
    case 'import': {
      if (args.length === 0) throw new UsageError('import needs at least one file');
      let failed = false;
      for (const file of args) {
        const results = await importRegistryFile(db, file);
        for (const r of results) {
          if (r.issues.length) {
            failed = true;
            for (const i of r.issues) process.stderr.write(`${file}:${i.line}: ${i.message}\n`);
          }
        }
        const bad = results.some((r) => r.issues.length);
        if (bad) process.stderr.write(`${file}: not imported (${results.reduce((n, r) => n + r.issues.length, 0)} problem(s); nothing was written)\n`);
        else for (const r of results) console.log(`${file}: ${r.kind === 'assets' ? 'assets' : 'fault codes'}: ${r.inserted} added, ${r.updated} updated`);
      }
      return failed ? 1 : 0;
    }
    case 'list': {
      const rows = await listAssets(db);
      console.log(rows.length ? rows.map((a) => [a.id, a.name, a.model, a.location, a.scope ?? '-', a.oncall ?? '-'].join('\t')).join('\n') : 'no assets');
      return 0;
    }
    case 'export-examples': {
      const { jsonl, count } = await exportLabelledExamples(db);
      if (v.out) {
        await writeFile(v.out, jsonl);
        console.log(`${count} labelled example(s) written to ${v.out}`);
      } else process.stdout.write(jsonl);
      return 0;
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required');
  }
}

if (v.help) {
  console.log(USAGE);
  process.exit(0);
}
const cfg = loadConfigOrExit();
const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
try {
  await migrate(db);
  process.exitCode = await run(db, pos[0], pos.slice(1));
} catch (e) {
  process.stderr.write(e instanceof UsageError ? `${e.message}\n${USAGE}\n` : `assets: ${(e as Error).message}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
} finally {
  await db.close();
}
