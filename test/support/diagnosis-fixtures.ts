import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRegistryFile, type Db } from '../../src/index.js';

export const DIAGNOSIS_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/diagnosis');
export const ASSETS_CSV = path.join(DIAGNOSIS_FIXTURES, 'assets.csv');
export const FAULT_CODES_CSV = path.join(DIAGNOSIS_FIXTURES, 'fault-codes.csv');

/** Imports the fixture registry (P-101/P-102 on CP-200 with scope plant-a, K-7, M-3; their fault codes). */
export async function importTestRegistry(db: Db): Promise<void> {
  for (const f of [ASSETS_CSV, FAULT_CODES_CSV]) {
    const res = await importRegistryFile(db, f);
    const issues = res.flatMap((r) => r.issues);
    if (issues.length) throw new Error(`fixture registry ${f} did not import: ${JSON.stringify(issues)}`);
  }
}
