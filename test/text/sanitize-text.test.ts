import { describe, expect, it } from 'vitest';
import { needsSanitizing, sanitizeText } from '../../src/text/index.js';

describe('sanitizeText', () => {
  it.each([
    ['NUL removed', 'pump\u0000 P-101', 'pump P-101'],
    ['other C0 controls removed', 'a\u0001b\u0007c\u001Bd\u007F', 'abcd'],
    ['tab, newline, CR kept', 'a\tb\nc\r\nd', 'a\tb\nc\r\nd'],
    ['lone high surrogate replaced', 'x\uD800y', 'x\uFFFDy'],
    ['lone low surrogate replaced', 'x\uDC00', 'x\uFFFD'],
    ['valid pair kept', 'ok 😀', 'ok 😀'],
    ['plain text unchanged', 'Why does P-101 cavitate?', 'Why does P-101 cavitate?'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeText(input)).toBe(expected);
    expect(needsSanitizing(input)).toBe(input !== expected);
    expect(needsSanitizing(sanitizeText(input))).toBe(false);
  });
});
