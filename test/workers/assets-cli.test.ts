import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb, type Db } from '../../src/index.js';
import { ASSETS_CSV, DIAGNOSIS_FIXTURES, FAULT_CODES_CSV } from '../support/diagnosis-fixtures.js';
import { TEST_DATABASE_URL, uniqueId } from '../support/test-config.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs `npm run assets -- …`'s entry point the way `npm run` does, against PostgreSQL in a fresh
 * schema (the embedded PGlite works the same but takes ~20 s per start on 2 cores).
 */
async function assets(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'workers/assets.ts'), ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH, ENV_FILE: '/dev/null', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' }, timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('npm run assets', () => {
  let dir: string;
  let db: Db;
  let data: string;
  const schema = uniqueId('cli').toLowerCase();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'r1-assets-cli-'));
    db = await createPgDb({ connectionString: TEST_DATABASE_URL, schema, max: 1 });
    data = `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  });
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Each run starts tsx: a few seconds each on 2 cores.
  it('imports, refuses a bad file by line (writing nothing), lists, exports examples', { timeout: 120_000 }, async () => {
    const first = await assets(['import', ASSETS_CSV, FAULT_CODES_CSV], data);
    // The fixtures' scopes are not ingested in this database: warned about, still imported.
    expect(first.stderr).toBe(
      `${ASSETS_CSV}:2: warning: asset P-101: knowledge scope plant-a does not exist yet (create it with npm run ingest -- --scope plant-a <folder>)\n` +
      `${ASSETS_CSV}:3: warning: asset P-102: knowledge scope plant-a does not exist yet (create it with npm run ingest -- --scope plant-a <folder>)\n` +
      `${ASSETS_CSV}:4: warning: asset K-7: knowledge scope plant-b does not exist yet (create it with npm run ingest -- --scope plant-b <folder>)\n`);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${ASSETS_CSV}: assets: 4 added, 0 updated\n${FAULT_CODES_CSV}: fault codes: 4 added, 0 updated\n`);

    const bad = path.join(DIAGNOSIS_FIXTURES, 'bad-assets.csv');
    const refused = await assets(['import', bad], data);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:3: id must be letters, digits and . _ / - (no spaces)\n`);
    expect(refused.stderr).toContain(`${bad}:7: expected 6 fields, got 3\n`);
    expect(refused.stderr).toContain('not imported: 5 problem(s) in 1 file(s); nothing was written\n');
    expect(refused.stderr).not.toMatch(/^\s+at /m);

    // Two files, the second bad: the first is not written either.
    const good = path.join(dir, 'more-assets.csv');
    const badCodes = path.join(dir, 'bad-codes.csv');
    await writeFile(good, 'id,name,model\nX-1,Extra pump,CP-200\n');
    await writeFile(badCodes, 'model,code,meaning,severity\nCP-200,E-900,Odd noise,HIGH\nCP-200,E-901,Smoke,apocalyptic\n');
    const both = await assets(['import', good, badCodes], data);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe(`${badCodes}:3: severity "apocalyptic" is not a known severity; accepted (any letter case): urgent, critical, fatal, high, alarm, major, medium, warning, minor, low, diagnostic, info, or a number 1–5 (1 most severe)\n` +
      'not imported: 1 problem(s) in 1 file(s); nothing was written\n');
    expect(both.stdout).toBe('');

    const list = await assets(['list'], data);
    expect(list.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['K-7', 'M-3', 'P-101', 'P-102']); // no X-1
    expect(list.stdout).toContain('P-101\tFeed-water pump\tCP-200\tLine A / Hall 2\tplant-a\tS0PUMPS');

    const out = path.join(dir, 'examples.jsonl');
    const exp = await assets(['export-examples', '--out', out], data);
    expect(exp.stdout).toBe(`0 labelled example(s) written to ${out}\n`);
    expect(await readFile(out, 'utf8')).toBe('');
    // The successful import and the export are in the audit trail (the refused imports wrote nothing).
    const audit = await db.query<{ action: string; actor: string; details: { files?: Array<{ kind: string; inserted: number }>; count?: number } }>('SELECT action, actor, details FROM audit_log ORDER BY id');
    expect(audit.rows.map((r) => r.action)).toEqual(['assets.import', 'assets.export_examples']);
    expect(audit.rows[0]!.details.files).toEqual([{ file: 'assets.csv', kind: 'assets', inserted: 4, updated: 0 }, { file: 'fault-codes.csv', kind: 'fault_codes', inserted: 4, updated: 0 }]);
    expect(audit.rows[1]!.details.count).toBe(0);
  });

  it('--help prints the usage with the accepted severities and exits 0; a wrong command is one line, exit 2', { timeout: 60_000 }, async () => {
    const help = await assets(['--help'], 'postgres://127.0.0.1:1/none');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run assets -- <command>/);
    expect(help.stdout).toContain('urgent, critical, fatal, high');
    const wrong = await assets(['frobnicate'], 'postgres://127.0.0.1:1/none');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('assets: unknown command frobnicate (see --help)\n');
  });
});
