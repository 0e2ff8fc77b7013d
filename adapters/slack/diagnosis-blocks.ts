import type { DiagnosisResult } from '../../src/index.js';

/** Action ids of the diagnosis buttons (values carry the diagnosis id). */
export const DIAG_ACTIONS = { resolved: 'diag_resolved', escalate: 'diag_escalate', up: 'diag_up', down: 'diag_down' } as const;

const mrkdwn = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });

/**
 * Block Kit for a structured diagnosis: safety first, then the asset and fault, ranked causes with
 * evidence and citations, ordered checks, parts, escalation, sources, and the outcome buttons.
 */
export function diagnosisBlocks(d: DiagnosisResult): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (d.safety.length) blocks.push(mrkdwn(d.safety.map((s) => `:warning: *Safety:* ${s}`).join('\n')));
  blocks.push({ type: 'header', text: { type: 'plain_text', text: `Diagnosis: ${d.asset.id} — ${d.asset.name}`.slice(0, 150) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${d.asset.model} · ${d.asset.location || 'location unknown'}${d.fault ? ` · *${d.fault.code}*: ${d.fault.meaning} (${d.fault.severity})` : ''}` }] });
  blocks.push(mrkdwn(`*Symptom:* ${d.symptom}\n${d.summary}`));
  blocks.push(mrkdwn(['*Probable causes*', ...d.causes.map((c, i) => `${i + 1}. *${c.cause}* — _${c.likelihood}_\n      ${c.evidence}${c.sources.length ? ` ${c.sources.map((n) => `[${n}]`).join('')}` : ''}`)].join('\n')));
  blocks.push(mrkdwn(['*Checks, in order*', ...d.checks.map((c, i) => `${i + 1}. ${c.step}\n      _expect:_ ${c.expect}`)].join('\n')));
  if (d.parts.length) blocks.push(mrkdwn(`*Parts that may be needed:* ${d.parts.join(', ')}`));
  blocks.push(mrkdwn(d.escalate ? `:rotating_light: *Escalate* to ${d.asset.oncall ?? 'the on-call engineer'}.` : 'No escalation needed yet.'));
  if (d.sources.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: d.sources.map((s) => `[${s.n}] ${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})`).join('\n').slice(0, 3000) }] });
  blocks.push({
    type: 'actions',
    block_id: `diag_${d.diagnosisId}`,
    elements: [
      { type: 'button', action_id: DIAG_ACTIONS.resolved, text: { type: 'plain_text', text: 'Resolved' }, style: 'primary', value: d.diagnosisId },
      { type: 'button', action_id: DIAG_ACTIONS.escalate, text: { type: 'plain_text', text: 'Not resolved — escalate' }, style: 'danger', value: d.diagnosisId },
      { type: 'button', action_id: DIAG_ACTIONS.up, text: { type: 'plain_text', text: '👍' }, value: d.diagnosisId },
      { type: 'button', action_id: DIAG_ACTIONS.down, text: { type: 'plain_text', text: '👎' }, value: d.diagnosisId },
    ],
  });
  return blocks;
}
