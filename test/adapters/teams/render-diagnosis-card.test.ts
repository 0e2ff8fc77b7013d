import { describe, expect, it } from 'vitest';
import { diagnosisViewSchema } from '../../../src/index.js';
import { renderDiagnosisCard } from '../../../adapters/teams/render-diagnosis-card.js';
import { adaptiveCardIssues } from '../../support/adaptive-card.js';
import { sampleDiagnosisView } from '../../support/diagnosis-fixtures.js';

type Block = { type: string; text?: string; items?: Block[]; facts?: Array<{ title: string; value: string }> };
const texts = (blocks: Block[]): string[] => blocks.flatMap((b) => [...(b.text ? [b.text] : []), ...(b.items ? texts(b.items) : [])]);

describe('renderDiagnosisCard (Teams)', () => {
  it('is a valid Adaptive Card 1.5', () => {
    const view = diagnosisViewSchema.parse(sampleDiagnosisView());
    const card = renderDiagnosisCard(view);
    expect(adaptiveCardIssues(card)).toEqual([]);
    // Teams refuses activities over ~28 KB; a diagnosis is bounded well below that.
    expect(JSON.stringify(card).length).toBeLessThan(28_000);
  });

  it('the checker is strict: it catches a misspelt property, an unknown element and a bad enum value', () => {
    const card = renderDiagnosisCard(sampleDiagnosisView()) as { body: Array<Record<string, unknown>> };
    expect(adaptiveCardIssues({ ...card, body: [{ type: 'TextBlock', text: 'x', wrapp: true }] })[0]).toMatch(/^body\.0: Unrecognized key: "wrapp"/);
    expect(adaptiveCardIssues({ ...card, body: [{ type: 'Carousel', pages: [] }] })).toHaveLength(1);
    expect(adaptiveCardIssues({ ...card, body: [{ type: 'TextBlock', text: 'x', weight: 'heavy' }] })[0]).toMatch(/weight: must be one of default, lighter, bolder/);
    expect(adaptiveCardIssues({ ...card, version: '1.6' })[0]).toMatch(/^version:/);
  });

  it('shows safety first, then ranked causes with likelihood and citations, checks in order with expectations, parts, escalation, sources', () => {
    const card = renderDiagnosisCard(sampleDiagnosisView()) as { body: Block[]; actions: Array<{ title: string; data: Record<string, unknown> }> };
    const t = texts(card.body);
    const at = (s: string) => t.findIndex((x) => x.includes(s));
    expect(card.body[1]!.facts).toEqual([
      { title: 'Asset', value: 'P-101 — Feed-water pump' }, { title: 'Model', value: 'CP-200' }, { title: 'Location', value: 'Line A / Hall 2' },
      { title: 'Fault code', value: 'E-214 — High vibration' }, { title: 'Severity', value: 'alarm' }, { title: 'Symptom', value: 'high vibration after restart' },
    ]);
    expect(card.body[2]).toMatchObject({ type: 'Container', style: 'attention' });
    const order = ['Safety first', 'Lock out and tag out', 'Probable causes', '1. Coupling misalignment after the restart — **High** likelihood [1]', '2. Cavitation at low suction pressure — **Medium** likelihood [1][2]',
      '3. Impeller imbalance — **Low** likelihood', 'Checks, in order', '1. Measure coupling alignment', '→ expect: Offset under 0.05 mm', '2. Check suction pressure',
      'Parts that may be needed', '• Coupling insert', '🚨 Escalate: yes — Vibration above 7.1 mm/s', 'Sources', '[1] Centrifugal Pump P-101 Manual — Fault codes › E-214 High vibration (pumps/p101-manual.md)'];
    const idx = order.map(at);
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(card.actions.map((a) => [a.title, a.data])).toEqual([
      ['Resolved', { r1: 'diagnosis', diagnosisId: '42', action: 'resolved' }],
      ['Not resolved — escalate', { r1: 'diagnosis', diagnosisId: '42', action: 'escalate' }],
      ['👍', { r1: 'diagnosis', diagnosisId: '42', action: 'up' }],
      ['👎', { r1: 'diagnosis', diagnosisId: '42', action: 'down' }],
    ]);
  });

  it('renders a failed diagnosis (no result) as a valid card with the error and no buttons', () => {
    const card = renderDiagnosisCard(sampleDiagnosisView({ result: null }), { errorText: 'generation failed' }) as { body: Block[]; actions?: unknown };
    expect(adaptiveCardIssues(card)).toEqual([]);
    expect(texts(card.body)).toEqual([sampleDiagnosisView().title, 'generation failed']);
    expect(card.actions).toBeUndefined();
  });

  it('omits empty sections and says when nothing is cited', () => {
    const base = sampleDiagnosisView().result!;
    const card = renderDiagnosisCard(sampleDiagnosisView({ result: { ...base, safety: [], parts: [], sources: [], fault: null, symptom: 'noise', escalate: { needed: false, reason: '' } } })) as { body: Block[] };
    expect(adaptiveCardIssues(card)).toEqual([]);
    const t = texts(card.body).join('\n');
    expect(t).not.toMatch(/Safety first|Parts that may be needed|Sources/);
    expect(t).toMatch(/Escalate: not needed/);
    expect(t).toMatch(/from the model alone and cites nothing/);
  });
});
