import { describe, expect, it } from 'vitest';
import { buildPrompt, DEFAULT_SYSTEM_PROMPT } from '../../src/index.js';

describe('buildPrompt', () => {
  it('puts the system prompt first and the history in order', () => {
    const p = buildPrompt({ question: 'and now?', historyMaxChars: 1000, history: [{ role: 'user', text: 'q1' }, { role: 'assistant', text: 'a1' }] });
    expect(p.context).toEqual([{ role: 'system', text: DEFAULT_SYSTEM_PROMPT }, { role: 'user', text: 'q1' }, { role: 'assistant', text: 'a1' }]);
    expect(p.question).toBe('and now?');
  });
  it('drops the oldest history first to fit the budget', () => {
    const history = [{ role: 'user' as const, text: 'a'.repeat(50) }, { role: 'assistant' as const, text: 'b'.repeat(50) }, { role: 'user' as const, text: 'c'.repeat(10) }];
    const p = buildPrompt({ question: 'q', historyMaxChars: 70, history });
    expect(p.droppedHistory).toBe(1);
    expect(p.context.map((t) => t.role)).toEqual(['system', 'assistant']);
    expect(p.question).toBe(`${'c'.repeat(10)}\n\nq`); // trailing user turn merged into the question
  });
  it('merges consecutive turns of one role', () => {
    const p = buildPrompt({ question: 'q', historyMaxChars: 1000, history: [{ role: 'assistant', text: 'x' }, { role: 'assistant', text: 'y' }] });
    expect(p.context[1]).toEqual({ role: 'assistant', text: 'x\n\ny' });
  });
});
