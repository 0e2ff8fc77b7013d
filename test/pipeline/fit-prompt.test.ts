import { describe, expect, it } from 'vitest';
import { fitRagPrompt } from '../../src/pipeline/fit-prompt.js';
import { CONTEXT_LENGTH_EXCEEDED, CONTEXT_MARGIN_TOKENS } from '../../src/engine/context-budget.js';
import { EngineRequestError } from '../../src/errors.js';
import type { RagPromptInput } from '../../src/prompts/index.js';

/** One token per 4 characters of every turn: enough to check what is dropped in which order. */
const count = (context: Array<{ text: string }>, question: string) => Math.ceil([...context.map((t) => t.text), question].join('').length / 4);

const history = Array.from({ length: 10 }, (_, i) => [
  { role: 'user' as const, text: `question ${i} `.padEnd(200, 'q') },
  { role: 'assistant' as const, text: `answer ${i} `.padEnd(400, 'a') },
]).flat();

const source = (n: number) => ({ n, title: `Manual ${n}`, section: '', source: `m${n}.md`, text: `chunk ${n} `.padEnd(400, 'c') });
const input = (over: Partial<RagPromptInput> = {}): RagPromptInput => ({
  question: 'What now?', history, historyMaxChars: 12_000, systemPrompt: 'sys', knowledge: { status: 'model_only' }, ...over,
});

describe('fitRagPrompt', () => {
  it('keeps everything when it fits with room for the answer', () => {
    const p = fitRagPrompt(input(), { contextSize: 4096, maxTokens: 256, count });
    expect(p.droppedHistory).toBe(0);
    expect(p.droppedHistoryForTokens).toBe(0);
    expect(p.maxTokens).toBe(256);
  });

  it('drops the oldest history first, as few messages as needed, and keeps the newest', () => {
    const p = fitRagPrompt(input(), { contextSize: 1024, maxTokens: 256, count });
    expect(p.promptTokens).toBeLessThanOrEqual(1024 - 256 - CONTEXT_MARGIN_TOKENS);
    expect(p.droppedHistoryForTokens).toBeGreaterThan(0);
    const all = p.context.map((t) => t.text).join('\n');
    expect(all).toContain('answer 9 ');
    expect(all).not.toContain('question 0 ');
    // One message fewer dropped would not fit.
    const kept = history.length - p.droppedHistory;
    expect(count([{ text: 'sys' }, ...history.slice(-(kept + 1))], 'What now?')).toBeGreaterThan(1024 - 256 - CONTEXT_MARGIN_TOKENS);
    expect(p.maxTokens).toBe(256);
  });

  it('HISTORY_MAX_CHARS still applies first; the token budget drops on top of it', () => {
    const p = fitRagPrompt(input({ historyMaxChars: 1300 }), { contextSize: 4096, maxTokens: 256, count });
    expect(p.droppedHistory).toBeGreaterThan(0);
    expect(p.droppedHistoryForTokens).toBe(0);
  });

  it('then keeps the sources and shrinks the answer budget while that leaves a useful answer; below that drops the lowest-ranked sources, never the question', () => {
    const knowledge = { status: 'cited' as const, sources: [1, 2, 3, 4].map(source) };
    // Tokens of the prompt with every source and no history.
    const full = fitRagPrompt(input({ knowledge, history: [] }), { contextSize: 100_000, maxTokens: 128, count }).promptTokens;
    const capped = fitRagPrompt(input({ knowledge }), { contextSize: full + CONTEXT_MARGIN_TOKENS + 64, maxTokens: 128, count });
    expect(capped.droppedHistory).toBe(history.length);
    expect(capped.keptSources).toBe(4);
    expect(capped.maxTokens).toBe(64);
    const p = fitRagPrompt(input({ knowledge }), { contextSize: full + CONTEXT_MARGIN_TOKENS + 16, maxTokens: 128, count });
    expect(p.droppedHistory).toBe(history.length);
    expect(p.keptSources).toBeGreaterThan(0);
    expect(p.keptSources).toBeLessThan(4);
    expect(p.question).toContain('<source 1>');
    expect(p.question).not.toContain(`<source ${p.keptSources + 1}>`);
    expect(p.question).toContain('What now?');
    expect(p.promptTokens + p.maxTokens).toBeLessThanOrEqual(full + 16);
  });

  it('shrinks the answer budget when the bare question leaves less than asked, and refuses what leaves no room', () => {
    const long = 'x'.repeat(4 * 300);
    const p = fitRagPrompt(input({ question: long }), { contextSize: 400, maxTokens: 256, count });
    expect(p.droppedHistory).toBe(history.length);
    expect(p.maxTokens).toBeLessThan(256);
    expect(p.promptTokens + p.maxTokens).toBeLessThanOrEqual(400 - CONTEXT_MARGIN_TOKENS);
    let err: unknown;
    try {
      fitRagPrompt(input({ question: 'x'.repeat(4 * 500) }), { contextSize: 400, maxTokens: 256, count });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineRequestError);
    expect((err as EngineRequestError).status).toBe(400);
    expect((err as Error).message).toMatch(new RegExp(`^${CONTEXT_LENGTH_EXCEEDED}: .*400 tokens per sequence`));
  });
});
