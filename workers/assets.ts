// `npm run assets -- <command>`: the asset registry and fault-code catalogue for `/diagnose`,
// and the export of resolved diagnoses as labelled fine-tuning examples.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cliActor, cliOrigin, recordAudit, exportLabelledExamples, importRegistryFiles, listAssets, migrate, openDb, runCli, SEVERITIES, UsageError, type Db } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run assets -- <command> [options]
  import <file.csv|file.yaml> [more files]   assets (id,name,model,location,scope,oncall) or fault codes
                                             (model,code,meaning,severity), told apart by the header;
                                             re-importing updates rows in place; all files or nothing:
                                             any error in any file → nothing written
  list                                       the registered assets
  export-examples [--out <file.jsonl>]       resolved diagnoses as labelled examples (JSONL; stdout without --out)
  --verbose                                  stack traces on errors

severity (any letter case; the word is kept and shown, its level orders and colours results):
  ${SEVERITIES.join(', ')}, or 1–5 (1 most severe)`;

/** Prints to stdout what went well and to stderr each problem as `file:line: message`. Returns the exit code. */
async function run(db: Db, cmd: string | undefined, args: string[], out: string | undefined): Promise<number> {
  switch (cmd) {
    case 'import': {
      if (args.length === 0) throw new UsageError('import needs at least one file');
      const { summaries, warnings, written } = await importRegistryFiles(db, args);
      for (const s of summaries) for (const i of s.issues) process.stderr.write(`${s.file}:${i.line}: ${i.message}\n`);
      if (!written) {
        const problems = summaries.reduce((n, s) => n + s.issues.length, 0);
        process.stderr.write(`not imported: ${problems} problem(s) in ${new Set(summaries.filter((s) => s.issues.length).map((s) => s.file)).size} file(s); nothing was written\n`);
        return 1;
      }
      for (const w of warnings) process.stderr.write(`${w.file}:${w.line}: warning: ${w.message}\n`);
      for (const s of summaries) console.log(`${s.file}: ${s.kind === 'assets' ? 'assets' : 'fault codes'}: ${s.inserted} added, ${s.updated} updated`);
      await recordAudit(db, {
        actor: cliActor(), action: 'assets.import', target: 'asset_registry', origin: cliOrigin(),
        details: { files: summaries.map((s) => ({ file: path.basename(s.file), kind: s.kind, inserted: s.inserted, updated: s.updated })), warnings: warnings.length },
      });
      return 0;
    }
    case 'list': {
      const rows = await listAssets(db);
      console.log(rows.length ? rows.map((a) => [a.id, a.name, a.model, a.location, a.scope ?? '-', a.oncall ?? '-'].join('\t')).join('\n') : 'no assets');
      return 0;
    }
    case 'export-examples': {
      const { jsonl, count } = await exportLabelledExamples(db);
      await recordAudit(db, { actor: cliActor(), action: 'assets.export_examples', target: out ? `file:${path.basename(out)}` : 'stdout', details: { count }, origin: cliOrigin() });
      if (out) {
        await writeFile(out, jsonl);
        console.log(`${count} labelled example(s) written to ${out}`);
      } else process.stdout.write(jsonl);
      return 0;
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required');
  }
}

await runCli({ name: 'assets', usage: USAGE }, async (argv) => {
  const { values: v, positionals: pos } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' } } });
  if (!['import', 'list', 'export-examples'].includes(pos[0] ?? '')) throw new UsageError(pos[0] ? `unknown command ${pos[0]}` : 'a command is required');
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    return await run(db, pos[0], pos.slice(1), v.out);
  } finally {
    await db.close();
  }
});
