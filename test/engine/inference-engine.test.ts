import { afterAll, describe, expect, it } from 'vitest';
import { hasTestModel } from '../support/shared-assets.js';
import { closeTestEngines, getTestEngine } from '../support/test-engine.js';

const ctx = [{ role: 'system' as const, text: 'You are R1.' }];

describe.skipIf(!hasTestModel)('InferenceEngine on the tiny R1-template model', () => {
  afterAll(closeTestEngines);

  it('resolves the DeepSeek chat wrapper from the model file', async () => {
    const e = await getTestEngine(2);
    const { LlamaChatSession } = await import('node-llama-cpp');
    const seq = await e.pool.acquire();
    try {
      const s = new LlamaChatSession({ contextSequence: seq, autoDisposeSequence: false });
      expect(s.chatWrapper.constructor.name).toBe('DeepSeekChatWrapper');
      s.dispose({ disposeSequence: false });
    } finally {
      await e.pool.release(seq);
    }
  });

  it('is deterministic with greedy sampling and fixed threads', async () => {
    const e = await getTestEngine(2);
    const a = await e.generate({ context: ctx, question: 'Once upon a time', maxTokens: 24, temperature: 0 });
    const b = await e.generate({ context: ctx, question: 'Once upon a time', maxTokens: 24, temperature: 0 });
    expect(a.answer.length).toBeGreaterThan(0);
    expect(b.answer).toBe(a.answer);
    expect(a.completionTokens).toBe(24);
    expect(a.promptTokens).toBeGreaterThan(5);
  });

  it('keeps R1 reasoning out of the answer (a grammar forces a real <think> segment)', async () => {
    const e = await getTestEngine(2);
    const chunks: Array<{ kind: string; text: string }> = [];
    const r = await e.generate({
      context: ctx, question: 'Tell me a story about a dog.', maxTokens: 96, temperature: 0,
      gbnf: 'root ::= "<think>" [a-z .]{4,40} "</think>" [a-zA-Z .]{4,60}',
      onChunk: (c) => chunks.push(c),
    });
    expect(r.reasoning.length).toBeGreaterThanOrEqual(4);
    expect(r.answer.length).toBeGreaterThanOrEqual(4);
    expect(r.answer).not.toMatch(/think>/);
    expect(chunks.filter((c) => c.kind === 'thought').map((c) => c.text).join('')).toContain(r.reasoning.trim().slice(0, 4));
  });

  it('batches concurrent generations on one context and frees every sequence', async () => {
    const e = await getTestEngine(4);
    const rs = await Promise.all([0, 1, 2, 3].map((i) => e.generate({ context: ctx, question: `Story number ${i}`, maxTokens: 64, temperature: 0 })));
    expect(Math.max(...rs.map((r) => r.batchPeak))).toBeGreaterThan(1);
    expect(e.pool.inUse).toBe(0);
  });

  it('stops on abort, returns the partial answer and frees the sequence', async () => {
    const e = await getTestEngine(2);
    const ac = new AbortController();
    let n = 0;
    const r = await e.generate({
      context: ctx, question: 'Tell me a very long story', maxTokens: 1000, temperature: 0, signal: ac.signal,
      onChunk: () => { if (++n === 5) ac.abort(); },
    });
    expect(r.stopped).toBe(true);
    expect(r.completionTokens).toBeLessThan(1000);
    expect(e.pool.inUse).toBe(0);
  });
});
