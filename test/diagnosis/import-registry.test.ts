import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset, findFaultCode, importRegistryFile, listAssets, migrate, parseRegistryCsv, type Db } from '../../src/index.js';
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
    expect(await findFaultCode(db, 'cp-200', 'e-214')).toEqual({ model: 'CP-200', code: 'E-214', meaning: 'High vibration', severity: 'alarm' });
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
    expect(await findFaultCode(db, 'VP-4', 'F12')).toMatchObject({ severity: 'warning' });
    expect(await findFaultCode(db, 'VP-4', '13')).toMatchObject({ meaning: 'Motor overload', severity: 'critical' });
  });

  it('reports YAML problems by the line of the entry', async () => {
    const [res] = await importRegistryFile(db, fixture('bad-registry.yaml'));
    expect(res!.kind).toBe('fault_codes');
    expect(res!.issues).toEqual([
      { line: 5, message: 'severity must be one of info, warning, alarm, critical' },
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

  it('rejects unsupported file types', async () => {
    const f = path.join(dir, 'assets.xlsx');
    await writeFile(f, 'binary');
    expect((await importRegistryFile(db, f))[0]!.issues[0]!.message).toMatch(/unsupported file type \.xlsx/);
  });
});
