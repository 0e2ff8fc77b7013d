import { describe, expect, it } from 'vitest';
import { closestMatches, editDistance, parseDiagnoseCommand, splitFaultCode } from '../../src/index.js';

describe('parseDiagnoseCommand', () => {
  it.each([
    ['', { kind: 'usage', empty: true }],
    ['   ', { kind: 'usage', empty: true }],
    ['help', { kind: 'usage', empty: false }],
    ['history', { kind: 'usage', empty: false }],
    ['history P-101 extra', { kind: 'usage', empty: false }],
    ['history P-101', { kind: 'history', assetRef: 'P-101' }],
    ['HISTORY p-101:', { kind: 'history', assetRef: 'p-101' }],
    ['P-101', { kind: 'missing_fault', assetRef: 'P-101' }],
    ['P-101:   E-214   high  vibration after restart', { kind: 'diagnose', assetRef: 'P-101', rest: 'E-214 high vibration after restart' }],
    ['K-7 discharge too hot', { kind: 'diagnose', assetRef: 'K-7', rest: 'discharge too hot' }],
  ])('%j → %j', (text, expected) => {
    expect(parseDiagnoseCommand(text, 100)).toEqual(expected);
  });

  it('rejects text over the limit, whitespace collapsed first', () => {
    expect(parseDiagnoseCommand(`P-101 ${'x'.repeat(95)}`, 100)).toEqual({ kind: 'too_long', maxChars: 100, chars: 101 });
    expect(parseDiagnoseCommand(`P-101      ${'x'.repeat(90)}`, 100).kind).toBe('diagnose');
  });
});

describe('splitFaultCode', () => {
  const catalogue = ['E-214', 'E-117', '42'];
  it.each([
    ['E-214 high vibration', { kind: 'known', code: 'E-214', symptom: 'high vibration' }],
    ['e-214, after restart', { kind: 'known', code: 'E-214', symptom: 'after restart' }],
    ['42 pressure drop', { kind: 'known', code: '42', symptom: 'pressure drop' }],
    ['E-999 noise', { kind: 'unknown', code: 'E-999', symptom: 'noise' }],
    ['ALM_3003', { kind: 'unknown', code: 'ALM_3003', symptom: '' }],
    ['high vibration after restart', { kind: 'none', symptom: 'high vibration after restart' }],
    ['3 bar pressure drop', { kind: 'none', symptom: '3 bar pressure drop' }],
  ])('%j → %j', (rest, expected) => {
    expect(splitFaultCode(rest, catalogue)).toEqual(expected);
  });
});

describe('closestMatches', () => {
  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('P-101', 'P-101')).toBe(0);
  });

  it('finds the nearest ids, ignoring case and punctuation, nearest first', () => {
    const ids = ['P-101', 'P-102', 'P-110', 'K-7', 'M-3', 'VALVE-22'];
    expect(closestMatches('P101', ids)).toEqual(['P-101', 'P-102']); // P-110 is two edits away
    expect(closestMatches('p-10', ids)).toEqual(['P-101', 'P-102', 'P-110']);
    expect(closestMatches('K7', ids)).toEqual(['K-7']);
    expect(closestMatches('E-215', ['E-214', 'E-117', 'E-219'])).toEqual(['E-214', 'E-219']);
    expect(closestMatches('TURBINE-9', ids)).toEqual([]);
  });
});
