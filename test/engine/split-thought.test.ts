import { describe, expect, it } from 'vitest';
import { splitThought, stripThinkTags } from '../../src/index.js';

describe('splitThought', () => {
  it.each([
    ['segments', ['', { type: 'segment', segmentType: 'thought', text: 'hmm' }, ' Answer.'], 'Answer.', 'hmm'],
    ['inline think tags', ['<think>reason</think>\nThe answer'], 'The answer', 'reason'],
    ['unterminated think', ['Partial <think>still thinking'], 'Partial', 'still thinking'],
    ['stray closing tag', ['a</think> b'], 'a b', ''],
    ['plain text', ['just text'], 'just text', ''],
  ] as const)('%s', (_n, items, answer, reasoning) => {
    const r = splitThought(items as never);
    expect(r.answer.replace(/\s+/g, ' ')).toBe(answer);
    expect(r.reasoning).toBe(reasoning);
  });
  it('strips several think blocks', () => {
    expect(stripThinkTags('<think>a</think>x<think>b</think>y')).toEqual({ answer: 'xy', reasoning: 'a\nb' });
  });
});
