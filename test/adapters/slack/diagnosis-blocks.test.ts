import { describe, expect, it } from 'vitest';
import { diagnosisBlocks, diagnosisRootBlocks, slackOncallMention, DIAGNOSIS_ACTIONS } from '../../../adapters/slack/index.js';
import { sampleDiagnosisView } from '../../support/diagnosis-fixtures.js';

type B = { type: string; text?: { text: string }; elements?: Array<{ text?: string | { text: string }; action_id?: string; value?: string; style?: string }>; block_id?: string };
const textOf = (b: B) => b.text?.text ?? b.elements?.map((e) => (typeof e.text === 'string' ? e.text : e.text?.text ?? '')).join(' ') ?? '';

describe('diagnosisBlocks (Slack Block Kit)', () => {
  it('orders asset/fault, safety first, causes, checks, parts, escalation, sources, buttons', () => {
    const blocks = diagnosisBlocks(sampleDiagnosisView()) as B[];
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'divider', 'section', 'section', 'section', 'section', 'context', 'actions']);
    const t = blocks.map(textOf);
    expect(t[0]).toBe('*P-101* Feed-water pump · model CP-200 · Line A / Hall 2\n*Fault:* E-214 — High vibration (alarm) · high vibration after restart');
    // Model text is escaped: <MCC-3> and & cannot become mentions, links or entities.
    expect(t[1]).toBe(':warning: *Safety first*\n• Lock out and tag out the motor &lt;MCC-3&gt; before touching the coupling\n• Let the casing depressurise &amp; cool');
    expect(t[3]).toBe('*Probable causes*\n1. Coupling misalignment after the restart — :red_circle: High likelihood [1]\n2. Cavitation at low suction pressure — :large_orange_circle: Medium likelihood [1][2]\n3. Impeller imbalance — :white_circle: Low likelihood');
    expect(t[4]).toBe('*Checks, in order*\n1. Measure coupling alignment with a dial indicator\n      → _expect:_ Offset under 0.05 mm\n2. Check suction pressure and strainer\n      → _expect:_ Above the NPSH margin; strainer clean');
    expect(t[5]).toBe('*Parts that may be needed*\n• Coupling insert\n• Suction strainer gasket');
    expect(t[6]).toBe(':rotating_light: *Escalate:* yes — Vibration above 7.1 mm/s persists after the checks');
    expect(t[7]).toBe('*Sources*\n[1] *Centrifugal Pump P-101 Manual* › Fault codes › E-214 High vibration · `pumps/p101-manual.md`\n[2] *Start-up notes* · `pumps/startup.txt`');
    const actions = blocks[8]!;
    expect(actions.block_id).toBe('diagnosis_actions_42');
    expect(actions.elements!.map((e) => [e.action_id, (e.text as { text: string }).text, e.value, e.style])).toEqual([
      [DIAGNOSIS_ACTIONS.resolved, 'Resolved', '42', 'primary'],
      [DIAGNOSIS_ACTIONS.escalate, 'Not resolved — escalate', '42', 'danger'],
      [DIAGNOSIS_ACTIONS.up, '👍', '42', undefined],
      [DIAGNOSIS_ACTIONS.down, '👎', '42', undefined],
    ]);
  });

  it('keeps every section under Slack\'s 3,000-character limit and shows the recorded outcome', () => {
    const v = sampleDiagnosisView();
    const many = { ...v, outcome: { value: 'escalated' as const, by: 'U9' }, result: { ...v.result!, sources: Array.from({ length: 40 }, (_, i) => ({ n: i + 1, title: 'T'.repeat(90), source: 's'.repeat(90), section: 'x'.repeat(60) })) } };
    const blocks = diagnosisBlocks(many) as B[];
    for (const b of blocks) expect(textOf(b).length).toBeLessThanOrEqual(3000);
    expect(textOf(blocks.at(-1)!)).toBe(':rotating_light: Not resolved — escalated by <@U9>');
  });

  it('renders the thread root, and a failed diagnosis as its title only', () => {
    expect((diagnosisRootBlocks(sampleDiagnosisView()) as B[]).map(textOf)).toEqual([
      '*🔧 Diagnosis for P-101 (Feed-water pump, Line A / Hall 2): E-214 — High vibration (alarm) · high vibration after restart*',
      'Requested by <@U123> · diagnosis #42 · details in the thread',
    ]);
    expect((diagnosisBlocks(sampleDiagnosisView({ result: null })) as B[]).map((b) => b.type)).toEqual(['section']);
  });

  it.each([
    ['S0PUMPS', '<!subteam^S0PUMPS>'],
    ['U0COMP', '<@U0COMP>'],
    ['pump-oncall', '@pump-oncall'],
    ['@here', '<!here>'],
    ['<b>&', '@&lt;b&gt;&amp;'],
    [null, null],
  ])('mentions the on-call %j as %j', (oncall, expected) => {
    expect(slackOncallMention(oncall)).toBe(expected);
  });
});
