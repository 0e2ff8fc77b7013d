import type { DiagnosisResult } from './result-schema.js';

/** Plain markdown of a diagnosis (message log, console, and the text fallback of rich messages). */
export function diagnosisToMarkdown(d: DiagnosisResult): string {
  const out: string[] = [];
  if (d.safety.length) out.push(...d.safety.map((s) => `⚠️ **Safety:** ${s}`), '');
  out.push(`**${d.asset.id} — ${d.asset.name}** (${d.asset.model}, ${d.asset.location})`);
  if (d.fault) out.push(`Fault ${d.fault.code}: ${d.fault.meaning} (${d.fault.severity})`);
  out.push(`Symptom: ${d.symptom}`, '', d.summary, '', '**Probable causes**');
  d.causes.forEach((c, i) => out.push(`${i + 1}. ${c.cause} — _${c.likelihood}_. ${c.evidence}${c.sources.length ? ` ${c.sources.map((n) => `[${n}]`).join('')}` : ''}`));
  out.push('', '**Checks, in order**');
  d.checks.forEach((c, i) => out.push(`${i + 1}. ${c.step} → expect: ${c.expect}`));
  if (d.parts.length) out.push('', `**Parts that may be needed:** ${d.parts.join(', ')}`);
  out.push('', d.escalate ? `**Escalate** to ${d.asset.oncall ?? 'the on-call engineer'}.` : 'No escalation needed yet.');
  if (d.sources.length) out.push('', '**Sources**', ...d.sources.map((s) => `[${s.n}] ${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})`));
  return out.join('\n');
}
