import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset, findFaultCode, importRegistryFile, importRegistryFiles, listAssets, migrate, parseRegistryCsv, SEVERITIES, severityLevelOf, type Db } from '../../src/index.js';
import { ASSETS_CSV, DIAGNOSIS_FIXTURES, FAULT_CODES_CSV } from '../support/diagnosis-fixtures.js';
import { createTestPgDb } from '../support/test-db.js';

const fixture = (f: string) => path.join(DIAGNOSIS_FIXTURES, f);

describe('asset registry import (PostgreSQL)', () => {
  let db: Db;
  let dir: string;
  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    dir = await mkdtemp(path.join(tmpdir(), 'r1-assets-'));
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports assets and fault codes from CSV, telling them apart by the header', async () => {
    expect(await importRegistryFile(db, ASSETS_CSV)).toEqual([{ file: ASSETS_CSV, kind: 'assets', inserted: 4, updated: 0, issues: [] }]);
    expect(await importRegistryFile(db, FAULT_CODES_CSV)).toEqual([{ file: FAULT_CODES_CSV, kind: 'fault_codes', inserted: 4, updated: 0, issues: [] }]);
    expect(await findAsset(db, 'p-101')).toEqual({ id: 'P-101', name: 'Feed-water pump', model: 'CP-200', location: 'Line A / Hall 2', scope: 'plant-a', oncall: 'S0PUMPS' });
    expect(await findAsset(db, 'M-3')).toMatchObject({ scope: null, oncall: null });
    expect(await findFaultCode(db, 'cp-200', 'e-214')).toEqual({ model: 'CP-200', code: 'E-214', meaning: 'High vibration', severity: 'alarm', level: 2 });
  });

  it('re-importing updates rows in place (ids matched in any letter case)', async () => {
    const f = path.join(dir, 'update.csv');
    await writeFile(f, 'name,id,model\nFeed-water pump (rebuilt),p-101,CP-210\nNew pump,P-300,CP-200\n');
    expect(await importRegistryFile(db, f)).toEqual([{ file: f, kind: 'assets', inserted: 1, updated: 1, issues: [] }]);
    expect(await findAsset(db, 'P-101')).toEqual({ id: 'p-101', name: 'Feed-water pump (rebuilt)', model: 'CP-210', location: '', scope: null, oncall: null });
    expect((await listAssets(db)).map((a) => a.id)).toEqual(['K-7', 'M-3', 'P-102', 'P-300', 'p-101']);
    await importRegistryFile(db, ASSETS_CSV);
    expect(await findAsset(db, 'P-101')).toMatchObject({ id: 'P-101', model: 'CP-200', scope: 'plant-a' });
  });

  it('reports every invalid row by line and writes nothing', async () => {
    const before = await listAssets(db);
    const [res] = await importRegistryFile(db, fixture('bad-assets.csv'));
    expect(res!.issues).toEqual([
      { line: 3, message: 'id must be letters, digits and . _ / - (no spaces)' },
      { line: 4, message: 'name is required' },
      { line: 5, message: 'scope must be a knowledge scope name (lower-case letters, digits, . _ -)' },
      { line: 6, message: 'duplicate asset id P-201 (first on line 2)' },
      { line: 7, message: 'expected 6 fields, got 3' },
    ]);
    expect(res!.inserted + res!.updated).toBe(0);
    expect(await listAssets(db)).toEqual(before); // P-201 on line 2 was valid, and still not written
  });

  it('imports a YAML file with assets and fault codes, numbers as text, severities in any case', async () => {
    const f = fixture('registry.yaml');
    expect(await importRegistryFile(db, f)).toEqual([
      { file: f, kind: 'assets', inserted: 1, updated: 0, issues: [] },
      { file: f, kind: 'fault_codes', inserted: 2, updated: 0, issues: [] },
    ]);
    expect(await findFaultCode(db, 'VP-4', 'F12')).toMatchObject({ severity: 'Warning', level: 3 }); // the word as written
    expect(await findFaultCode(db, 'VP-4', '13')).toMatchObject({ meaning: 'Motor overload', severity: 'critical', level: 1 });
  });

  it('reports YAML problems by the line of the entry', async () => {
    const [res] = await importRegistryFile(db, fixture('bad-registry.yaml'));
    expect(res!.kind).toBe('fault_codes');
    expect(res!.issues).toEqual([
      { line: 5, message: `severity "catastrophic" is not a known severity; accepted (any letter case): ${SEVERITIES.join(', ')}, or a number 1–5 (1 most severe)` },
      { line: 9, message: 'unknown field(s) colour; fault code fields are model, code, meaning, severity' },
    ]);
    expect(await findFaultCode(db, 'VP-4', 'F20')).toBeNull();
  });

  it.each([
    ['serial,label\nA,B\n', 'header must be id,name,model,location,scope,oncall (assets) or model,code,meaning,severity (fault codes); got serial,label'],
    ['id,name,model,owner\nP-1,Pump,X,bob\n', 'unknown column(s) owner; asset columns are id,name,model,location,scope,oncall'],
    ['model,code,meaning\nX,E1,Broken\n', 'missing column(s) severity'],
    ['', 'empty file'],
  ])('rejects a CSV whose header fits neither kind: %j', (csv, message) => {
    expect(parseRegistryCsv(csv).issues).toEqual([{ line: 1, message }]);
  });

  it.each([
    ['urgent', 1], ['critical', 1], ['high', 2], ['medium', 3], ['low', 4], ['diagnostic', 5],
    ['info', 5], ['warning', 3], ['alarm', 2], ['major', 2], ['minor', 3], ['fatal', 1],
    ['1', 1], ['2', 2], ['3', 3], ['4', 4], ['5', 5], ['HIGH', 2], ['Medium', 3], [' LoW ', 4],
    ['severe', null], ['6', null], ['0', null], ['', null],
  ] as const)('severity %j has level %j', (word, level) => {
    expect(severityLevelOf(word)).toBe(level);
  });

  it('imports catalogues with ISA-18.2 priorities, numbers and mixed case, keeping the word and a level', async () => {
    const f = path.join(dir, 'isa.csv');
    await writeFile(f, 'model,code,meaning,severity\nISA-1,A1,Trip,Urgent\nISA-1,A2,Overheat,HIGH\nISA-1,A3,Drift,medium\nISA-1,A4,Filter,Low\nISA-1,A5,Sensor,diagnostic\nISA-1,A6,Door,2\nISA-1,A7,Belt,Minor\n');
    const r = await importRegistryFiles(db, [f]);
    expect(r.summaries).toEqual([{ file: f, kind: 'fault_codes', inserted: 7, updated: 0, issues: [] }]);
    expect(r.written).toBe(true);
    const got = await Promise.all(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7'].map((c) => findFaultCode(db, 'isa-1', c)));
    expect(got.map((x) => [x!.severity, x!.level])).toEqual([['Urgent', 1], ['HIGH', 2], ['medium', 3], ['Low', 4], ['diagnostic', 5], ['2', 2], ['Minor', 3]]);
  });

  it('rejects an unknown severity word with one line listing what is accepted', async () => {
    const f = path.join(dir, 'unknown-severity.csv');
    await writeFile(f, 'model,code,meaning,severity\nISA-2,B1,Trip,blocker\n');
    const r = await importRegistryFiles(db, [f]);
    expect(r.written).toBe(false);
    expect(r.summaries[0]!.issues).toEqual([{ line: 2, message: 'severity "blocker" is not a known severity; accepted (any letter case): urgent, critical, fatal, high, alarm, major, medium, warning, minor, low, diagnostic, info, or a number 1–5 (1 most severe)' }]);
    expect(await findFaultCode(db, 'ISA-2', 'B1')).toBeNull();
  });

  it('warns, and still imports, an asset whose scope does not exist and codes for a model no asset has', async () => {
    await db.query("INSERT INTO kb_scopes (name) VALUES ('known-scope') ON CONFLICT DO NOTHING");
    const a = path.join(dir, 'warn-assets.csv');
    const c = path.join(dir, 'warn-codes.csv');
    await writeFile(a, 'id,name,model,scope\nW-1,Pump,WM-1,known-scope\nW-2,Fan,WM-2,no-such-scope\n');
    await writeFile(c, 'model,code,meaning,severity\nWM-1,C1,Hot,high\nWM-9,C2,Cold,low\nWM-9,C3,Wet,low\n');
    const r = await importRegistryFiles(db, [a, c]);
    expect(r.written).toBe(true);
    expect(r.warnings).toEqual([
      { file: a, line: 3, message: 'asset W-2: knowledge scope no-such-scope does not exist yet (create it with npm run ingest -- --scope no-such-scope <folder>)' },
      { file: c, line: 3, message: 'fault code C2: no asset has model WM-9' },
    ]);
    expect(await findAsset(db, 'W-2')).toMatchObject({ scope: 'no-such-scope' });
    expect(await findFaultCode(db, 'WM-9', 'C3')).toMatchObject({ level: 4 });
  });

  it('imports several files all or nothing: a bad second file keeps the first from being written', async () => {
    const good = path.join(dir, 'good.csv');
    const bad = path.join(dir, 'bad.csv');
    await writeFile(good, 'id,name,model\nAON-1,Pump,CP-200\n');
    await writeFile(bad, 'model,code,meaning,severity\nCP-200,Z1,Broken,sometimes\n');
    const r = await importRegistryFiles(db, [good, bad]);
    expect(r.written).toBe(false);
    expect(r.summaries.map((s) => [s.file, s.issues.length])).toEqual([[good, 0], [bad, 1]]);
    expect(await findAsset(db, 'AON-1')).toBeNull();
    expect((await importRegistryFiles(db, [good])).written).toBe(true); // the same file alone is fine
    expect(await findAsset(db, 'AON-1')).not.toBeNull();
  });

  it('rejects unsupported file types', async () => {
    const f = path.join(dir, 'assets.xlsx');
    await writeFile(f, 'binary');
    expect((await importRegistryFile(db, f))[0]!.issues[0]!.message).toMatch(/unsupported file type \.xlsx/);
  });
});
