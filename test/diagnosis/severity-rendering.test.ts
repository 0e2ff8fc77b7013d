import { describe, expect, it } from 'vitest';
import { diagnosisMarkdown, faultLine, type DiagnosisView } from '../../src/index.js';
import { diagnosisBlocks } from '../../adapters/slack/diagnosis/diagnosis-blocks.js';
import { renderDiagnosisCard } from '../../adapters/teams/render-diagnosis-card.js';
import { sampleDiagnosisView } from '../support/diagnosis-fixtures.js';

/** The sample diagnosis with a catalogue that writes its severity as an ISA-18.2 priority. */
function withSeverity(severity: string, level: number | undefined): DiagnosisView {
  const v = sampleDiagnosisView();
  return { ...v, result: { ...v.result!, fault: { code: 'E-214', meaning: 'High vibration', severity, level } } };
}

describe('severity in rendered diagnoses', () => {
  it.each([
    ['HIGH', 2, '🟠 HIGH'], ['urgent', 1, '🔴 urgent'], ['3', 3, '🟡 3'], ['Low', 4, '🔵 Low'], ['diagnostic', 5, '⚪ diagnostic'],
    ['alarm', undefined, 'alarm'], // stored before levels existed: the word alone
  ] as const)('%s (level %s) shows the catalogue word with its colour', (word, level, shown) => {
    const v = withSeverity(word, level);
    expect(faultLine(v.result!)).toBe(`E-214 — High vibration (${shown}) · high vibration after restart`);
    expect(diagnosisMarkdown(v.result!)).toContain(`Fault: E-214 — High vibration (${shown})`);
    expect(JSON.stringify(diagnosisBlocks(v))).toContain(`(${shown})`);
    const facts = (renderDiagnosisCard(v).body as Array<{ type: string; facts?: Array<{ title: string; value: string }> }>).find((e) => e.type === 'FactSet')!.facts!;
    expect(facts.find((f) => f.title === 'Severity')?.value).toBe(shown);
  });
});
