/** `/diagnose <asset> <fault code or symptom…>` or `/diagnose history <asset>`. */
export type DiagnoseCommand =
  | { kind: 'diagnose'; assetId: string; rest: string }
  | { kind: 'history'; assetId: string }
  | { kind: 'error'; message: string };

export const DIAGNOSE_USAGE = 'Usage: `/diagnose <asset> <fault code or symptom>` (e.g. `/diagnose P-101 E-214 high vibration after restart`) or `/diagnose history <asset>`.';

/** Fault codes look like `E-214`, `F07`, `AL-1234`: letters, optional dash, digits. */
export const FAULT_CODE = /^[A-Za-z]{1,4}-?\d{1,5}$/;

export function parseDiagnoseCommand(text: string, maxChars: number): DiagnoseCommand {
  const t = text.trim();
  if (!t) return { kind: 'error', message: `Tell me which asset and what is wrong. ${DIAGNOSE_USAGE}` };
  if (t.length > maxChars) return { kind: 'error', message: `That request is too long (over ${maxChars} characters). Describe the fault in a sentence or two.` };
  const [first = '', ...rest] = t.split(/\s+/);
  if (first.toLowerCase() === 'history') {
    if (rest.length !== 1) return { kind: 'error', message: 'Usage: `/diagnose history <asset>`' };
    return { kind: 'history', assetId: rest[0]!.toUpperCase() };
  }
  if (rest.length === 0) return { kind: 'error', message: `What is the fault code or symptom for ${first}? ${DIAGNOSE_USAGE}` };
  return { kind: 'diagnose', assetId: first.toUpperCase(), rest: rest.join(' ') };
}
