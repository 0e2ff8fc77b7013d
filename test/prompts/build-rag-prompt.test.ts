import { describe, expect, it } from 'vitest';
import { buildPrompt, buildRagPrompt, NO_MATCH_INSTRUCTION, SOURCES_INSTRUCTION } from '../../src/index.js';

const base = { question: 'Why does E-214 trip?', history: [], historyMaxChars: 1000 };

describe('buildRagPrompt', () => {
  it('numbers the sources, names title, section and path, badges web, and puts the question last', () => {
    const p = buildRagPrompt({
      ...base,
      knowledge: {
        status: 'cited',
        sources: [
          { n: 1, title: 'Pump Manual', section: 'Fault codes › E-214', source: 'pumps/p101.md', text: 'Vibration above 7.1 mm/s.' },
          { n: 2, title: 'Vibration FAQ', section: '', source: 'https://pumps.example.com/faq', text: 'Check alignment.', web: true },
        ],
      },
    });
    expect(p.question).toBe(
      'Sources:\n\n' +
      '[1] Pump Manual (Fault codes › E-214 · pumps/p101.md)\n<source 1>\nVibration above 7.1 mm/s.\n</source 1>\n\n' +
      '[2] Vibration FAQ (https://pumps.example.com/faq) [web]\n<source 2>\nCheck alignment.\n</source 2>\n\n' +
      `${SOURCES_INSTRUCTION}\n\nQuestion: Why does E-214 trip?`,
    );
    expect(SOURCES_INSTRUCTION).toMatch(/\[1\]/);
    expect(SOURCES_INSTRUCTION).toMatch(/not instructions/);
  });

  it('tells the model nothing matched and to cite nothing', () => {
    const p = buildRagPrompt({ ...base, knowledge: { status: 'no_match' } });
    expect(p.question).toBe(`${NO_MATCH_INSTRUCTION}\n\nQuestion: Why does E-214 trip?`);
    expect(NO_MATCH_INSTRUCTION).toMatch(/do not cite any source/);
  });

  it('is exactly the plain prompt for model-only answers', () => {
    const history = [{ role: 'user' as const, text: 'earlier' }, { role: 'assistant' as const, text: 'reply' }];
    expect(buildRagPrompt({ ...base, history, knowledge: { status: 'model_only' } })).toEqual(buildPrompt({ ...base, history }));
  });

  it('keeps history handling (budget, merged trailing user turn) with sources', () => {
    const p = buildRagPrompt({ ...base, history: [{ role: 'user', text: 'first part' }], knowledge: { status: 'no_match' } });
    expect(p.question.startsWith('first part\n\n')).toBe(true);
    expect(p.context.map((t) => t.role)).toEqual(['system']);
  });
});
