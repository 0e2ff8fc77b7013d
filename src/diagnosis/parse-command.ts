/**
 * `/diagnose` arguments, platform-neutral (Slack slash command text, Teams `diagnose …` message):
 * - `<asset> <fault code or symptom…>` → a diagnosis request
 * - `history <asset>` → recent diagnoses of the asset
 * - empty, `help` → usage
 */
export type DiagnoseCommand =
  | { kind: 'usage'; empty: boolean }
  | { kind: 'too_long'; maxChars: number; chars: number }
  | { kind: 'history'; assetRef: string }
  | { kind: 'missing_fault'; assetRef: string }
  | { kind: 'diagnose'; assetRef: string; rest: string };

/** Trailing punctuation people type after an id (`P-101:`, `E-214,`). */
const trimId = (s: string) => s.replace(/[:,;.]+$/, '');

export function parseDiagnoseCommand(text: string, maxChars: number): DiagnoseCommand {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return { kind: 'usage', empty: true };
  if (t.length > maxChars) return { kind: 'too_long', maxChars, chars: t.length };
  const [first, ...more] = t.split(' ');
  const word = first!.toLowerCase();
  if (word === 'help' && more.length === 0) return { kind: 'usage', empty: false };
  if (word === 'history') {
    if (more.length !== 1) return { kind: 'usage', empty: false };
    return { kind: 'history', assetRef: trimId(more[0]!) };
  }
  const assetRef = trimId(first!);
  const rest = more.join(' ').trim();
  if (!assetRef) return { kind: 'usage', empty: false };
  if (!rest) return { kind: 'missing_fault', assetRef };
  return { kind: 'diagnose', assetRef, rest };
}

/** Looks like a fault code: letters, an optional separator, digits (`E-214`, `F12`, `ALM_3003`, `E214b`). */
export const FAULT_CODE_RE = /^[A-Za-z]{1,5}[-_.]?\d{1,6}[A-Za-z]?$/;

export type FaultSplit =
  | { kind: 'known'; code: string; symptom: string }
  /** Looks like a code but the model's catalogue has no such code. */
  | { kind: 'unknown'; code: string; symptom: string }
  | { kind: 'none'; symptom: string };

/**
 * Splits the request into an optional fault code and the symptom. The first word is the code when
 * the asset model's catalogue has it (any spelling case), or when it is shaped like a code.
 */
export function splitFaultCode(rest: string, catalogue: readonly string[]): FaultSplit {
  const [first, ...more] = rest.split(' ');
  const candidate = trimId(first ?? '');
  const symptom = more.join(' ').trim();
  const known = catalogue.find((c) => c.toUpperCase() === candidate.toUpperCase());
  if (known) return { kind: 'known', code: known, symptom };
  if (FAULT_CODE_RE.test(candidate)) return { kind: 'unknown', code: candidate, symptom };
  return { kind: 'none', symptom: rest };
}
