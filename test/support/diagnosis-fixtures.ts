import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importRegistryFile, type Db, type DiagnosisView } from '../../src/index.js';

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

/** A complete diagnosis as an adapter receives it (hand-written: renderer tests must not depend on the model). */
export function sampleDiagnosisView(over: Partial<DiagnosisView> = {}): DiagnosisView {
  return {
    diagnosisId: '42',
    title: '🔧 Diagnosis for P-101 (Feed-water pump, Line A / Hall 2): E-214 — High vibration (alarm) · high vibration after restart',
    assetId: 'P-101',
    requestedBy: 'U123',
    request: 'E-214 high vibration after restart',
    outcome: null,
    result: {
      v: 1,
      asset: { id: 'P-101', name: 'Feed-water pump', model: 'CP-200', location: 'Line A / Hall 2', oncall: 'S0PUMPS' },
      fault: { code: 'E-214', meaning: 'High vibration', severity: 'alarm' },
      symptom: 'high vibration after restart',
      safety: ['Lock out and tag out the motor <MCC-3> before touching the coupling', 'Let the casing depressurise & cool'],
      causes: [
        { cause: 'Coupling misalignment after the restart', likelihood: 'high', evidence: [1] },
        { cause: 'Cavitation at low suction pressure', likelihood: 'medium', evidence: [1, 2] },
        { cause: 'Impeller imbalance', likelihood: 'low', evidence: [] },
      ],
      checks: [
        { step: 'Measure coupling alignment with a dial indicator', expect: 'Offset under 0.05 mm' },
        { step: 'Check suction pressure and strainer', expect: 'Above the NPSH margin; strainer clean' },
      ],
      parts: ['Coupling insert', 'Suction strainer gasket'],
      escalate: { needed: true, reason: 'Vibration above 7.1 mm/s persists after the checks' },
      sources: [
        { n: 1, title: 'Centrifugal Pump P-101 Manual', source: 'pumps/p101-manual.md', section: 'Fault codes › E-214 High vibration' },
        { n: 2, title: 'Start-up notes', source: 'pumps/startup.txt', section: '' },
      ],
    },
    ...over,
  };
}
