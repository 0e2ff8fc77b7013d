import type { DiagnosisResult } from './result-schema.js';
import { SEVERITY_MARKS, type SeverityLevel } from './severity.js';

const LIKELIHOOD_LABEL = { high: 'High', medium: 'Medium', low: 'Low' } as const;

/** `[1][3]` for a cause's evidence. */
export const citeMarks = (evidence: readonly number[]) => evidence.map((n) => `[${n}]`).join('');

/** `🟠 High`: the catalogue's word, coloured by its level when the level is known. */
export function severityLabel(f: NonNullable<DiagnosisResult['fault']>): string {
  if (!f.severity) return '';
  return f.level ? `${SEVERITY_MARKS[f.level as SeverityLevel]} ${f.severity}` : f.severity;
}

/** The fault line: code and catalogue meaning (with the catalogue's severity word), or the symptom alone. */
export function faultLine(r: DiagnosisResult): string {
  const f = r.fault;
  const code = f ? `${f.code}${f.meaning ? ` — ${f.meaning}` : ' (not in the catalogue)'}${f.severity ? ` (${severityLabel(f)})` : ''}` : '';
  return [code, r.symptom].filter(Boolean).join(' · ');
}

/** The one-line header that opens a diagnosis thread: `🔧 Diagnosis for P-101 (Feed pump, Hall 2): E-214 — High vibration`. */
export function diagnosisTitle(r: DiagnosisResult): string {
  const a = r.asset;
  const where = [a.name, a.location].filter(Boolean).join(', ');
  const f = faultLine(r);
  return `🔧 Diagnosis for ${a.id}${where ? ` (${where})` : ''}${f ? `: ${f}` : ''}`;
}

/**
 * The diagnosis as plain Markdown, in the same order as the cards (safety first). It is the
 * message's text: notifications, the thread history a follow-up question sees, the console.
 */
export function diagnosisMarkdown(r: DiagnosisResult): string {
  const out: string[] = [];
  const a = r.asset;
  out.push(`**${a.id}** ${a.name} · model ${a.model}${a.location ? ` · ${a.location}` : ''}`);
  const f = faultLine(r);
  if (f) out.push(`Fault: ${f}`);
  if (r.safety.length) out.push('', '**⚠️ Safety first**', ...r.safety.map((s) => `- ${s}`));
  out.push('', '**Probable causes**', ...r.causes.map((c, i) => `${i + 1}. ${c.cause} — ${LIKELIHOOD_LABEL[c.likelihood]} likelihood${c.evidence.length ? ` ${citeMarks(c.evidence)}` : ''}`));
  out.push('', '**Checks, in order**', ...r.checks.map((c, i) => `${i + 1}. ${c.step} → expect: ${c.expect}`));
  if (r.parts.length) out.push('', '**Parts that may be needed**', ...r.parts.map((p) => `- ${p}`));
  out.push('', r.escalate.needed ? `**Escalate:** yes${r.escalate.reason ? ` — ${r.escalate.reason}` : ''}` : `**Escalate:** not needed${r.escalate.reason ? ` — ${r.escalate.reason}` : ''}`);
  if (r.sources.length) out.push('', '**Sources**', ...r.sources.map((s) => `[${s.n}] ${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})`));
  return out.join('\n');
}

export { LIKELIHOOD_LABEL };
