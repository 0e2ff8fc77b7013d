import type { DiagnosisResult } from '../../src/index.js';
import { CARD_VERSION } from './answer-card.js';

const text = (t: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: t, wrap: true, ...extra });

/**
 * A structured diagnosis as an Adaptive Card: safety first, asset and fault, ranked causes,
 * ordered checks, parts, escalation, sources, and outcome/feedback actions (Action.Submit).
 */
export function diagnosisCard(d: DiagnosisResult): Record<string, unknown> {
  const body: Record<string, unknown>[] = [];
  for (const s of d.safety) body.push(text(`⚠️ **Safety:** ${s}`, { color: 'Attention' }));
  body.push(text(`Diagnosis: ${d.asset.id} — ${d.asset.name}`, { size: 'Large', weight: 'Bolder' }));
  body.push(text(`${d.asset.model} · ${d.asset.location || 'location unknown'}${d.fault ? ` · **${d.fault.code}**: ${d.fault.meaning} (${d.fault.severity})` : ''}`, { isSubtle: true, spacing: 'None' }));
  body.push(text(`**Symptom:** ${d.symptom}\n\n${d.summary}`));
  body.push(text('Probable causes', { weight: 'Bolder' }));
  d.causes.forEach((c, i) => body.push(text(`${i + 1}. **${c.cause}** — _${c.likelihood}_. ${c.evidence}${c.sources.length ? ` ${c.sources.map((n) => `[${n}]`).join('')}` : ''}`)));
  body.push(text('Checks, in order', { weight: 'Bolder' }));
  d.checks.forEach((c, i) => body.push(text(`${i + 1}. ${c.step} → expect: ${c.expect}`)));
  if (d.parts.length) body.push(text(`**Parts that may be needed:** ${d.parts.join(', ')}`));
  body.push(text(d.escalate ? `🚨 **Escalate** to ${d.asset.oncall ?? 'the on-call engineer'}.` : 'No escalation needed yet.'));
  if (d.sources.length) body.push(text(d.sources.map((s) => `[${s.n}] ${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})`).join('\n\n'), { isSubtle: true, size: 'Small' }));
  const submit = (title: string, action: string) => ({ type: 'Action.Submit', title, data: { r1: 'diagnosis', diagnosisId: d.diagnosisId, action } });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    actions: [submit('Resolved', 'resolved'), submit('Not resolved — escalate', 'escalated'), submit('👍', 'up'), submit('👎', 'down')],
  };
}
