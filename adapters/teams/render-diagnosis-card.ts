import { LIKELIHOOD_LABEL, severityLabel, type DiagnosisView } from '../../src/index.js';

/** Adaptive Card schema version Teams renders on desktop, web and mobile. */
export const DIAGNOSIS_CARD_VERSION = '1.5';
const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** `data.r1` of the card's Action.Submit buttons; `action` says which one. */
export const DIAGNOSIS_SUBMIT_KIND = 'diagnosis';
export type DiagnosisCardAction = 'resolved' | 'escalate' | 'up' | 'down';

type Element = Record<string, unknown>;
const text = (t: string, extra: Element = {}): Element => ({ type: 'TextBlock', text: t, wrap: true, ...extra });
const heading = (t: string): Element => text(t, { weight: 'Bolder', spacing: 'Medium' });

export interface DiagnosisCardOptions {
  /** Shown instead of the result when generation failed. */
  errorText?: string;
}

/**
 * The diagnosis as an Adaptive Card 1.5 for Teams, in the same order as the Slack blocks: asset
 * and fault facts, safety first (an attention container), ranked causes with likelihood and cited
 * sections, checks in order with the expected observation, parts, escalation, sources, and the
 * outcome/feedback buttons (Action.Submit: they come back as message activities with `value`).
 * Pure: no I/O. @see https://adaptivecards.io/explorer/
 */
export function renderDiagnosisCard(view: DiagnosisView, o: DiagnosisCardOptions = {}): Record<string, unknown> {
  const body: Element[] = [text(view.title, { weight: 'Bolder', size: 'Medium', style: 'heading' })];
  const r = view.result;
  if (!r) {
    body.push(text(o.errorText ?? 'Sorry, this diagnosis failed. Please try again.', { color: 'Attention' }));
    return card(body, [], view.title);
  }
  const a = r.asset;
  const facts = [
    { title: 'Asset', value: `${a.id} — ${a.name}` },
    { title: 'Model', value: a.model },
    ...(a.location ? [{ title: 'Location', value: a.location }] : []),
    ...(r.fault ? [{ title: 'Fault code', value: `${r.fault.code}${r.fault.meaning ? ` — ${r.fault.meaning}` : ' (not in the catalogue)'}` }] : []),
    ...(r.fault?.severity ? [{ title: 'Severity', value: severityLabel(r.fault) }] : []),
    ...(r.symptom ? [{ title: 'Symptom', value: r.symptom }] : []),
  ];
  body.push({ type: 'FactSet', facts });
  if (r.safety.length) {
    body.push({
      type: 'Container', style: 'attention', spacing: 'Medium',
      items: [text('⚠️ Safety first', { weight: 'Bolder' }), ...r.safety.map((s) => text(`• ${s}`, { spacing: 'None' }))],
    });
  }
  body.push(heading('Probable causes'));
  r.causes.forEach((c, i) => body.push(text(`${i + 1}. ${c.cause} — **${LIKELIHOOD_LABEL[c.likelihood]}** likelihood${c.evidence.length ? ` ${c.evidence.map((n) => `[${n}]`).join('')}` : ''}`, { spacing: 'Small' })));
  body.push(heading('Checks, in order'));
  r.checks.forEach((c, i) => {
    body.push(text(`${i + 1}. ${c.step}`, { spacing: 'Small' }));
    body.push(text(`→ expect: ${c.expect}`, { isSubtle: true, spacing: 'None' }));
  });
  if (r.parts.length) {
    body.push(heading('Parts that may be needed'));
    r.parts.forEach((p) => body.push(text(`• ${p}`, { spacing: 'None' })));
  }
  const reason = r.escalate.reason ? ` — ${r.escalate.reason}` : '';
  body.push(text(r.escalate.needed ? `🚨 Escalate: yes${reason}` : `Escalate: not needed${reason}`, { spacing: 'Medium', ...(r.escalate.needed ? { color: 'Attention', weight: 'Bolder' } : {}) }));
  if (r.sources.length) {
    body.push(heading('Sources'));
    r.sources.forEach((s) => body.push(text(`[${s.n}] ${s.web ? '🌐 ' : ''}${s.title}${s.section ? ` — ${s.section}` : ''} (${s.source})`, { isSubtle: true, size: 'Small', spacing: 'None' })));
  } else {
    body.push(text('_No manual section matched: this diagnosis is from the model alone and cites nothing._', { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  }
  if (view.outcome) body.push(text(view.outcome.value === 'resolved' ? '✅ Resolved' : '🚨 Not resolved — escalated', { spacing: 'Medium', weight: 'Bolder' }));
  const submit = (title: string, action: DiagnosisCardAction, style?: 'positive' | 'destructive'): Element => ({
    type: 'Action.Submit', title, ...(style ? { style } : {}), data: { r1: DIAGNOSIS_SUBMIT_KIND, diagnosisId: view.diagnosisId, action },
  });
  const actions = [submit('Resolved', 'resolved', 'positive'), submit('Not resolved — escalate', 'escalate', 'destructive'), submit('👍', 'up'), submit('👎', 'down')];
  return card(body, actions, view.title);
}

function card(body: Element[], actions: Element[], fallbackText: string): Record<string, unknown> {
  return {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: DIAGNOSIS_CARD_VERSION,
    fallbackText,
    body,
    ...(actions.length ? { actions } : {}),
  };
}
