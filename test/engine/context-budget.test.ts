import { afterAll, describe, expect, it } from 'vitest';
import type { LlamaContextSequence } from 'node-llama-cpp';
import { CONTEXT_LENGTH_EXCEEDED, CONTEXT_MARGIN_TOKENS } from '../../src/engine/context-budget.js';
import type { InferenceEngine } from '../../src/engine/index.js';
import { EngineRequestError } from '../../src/errors.js';
import { fitRagPrompt } from '../../src/pipeline/fit-prompt.js';
import type { ChatTurn } from '../../src/prompts/index.js';
import { hasTestModel } from '../support/shared-assets.js';
import { closeTestEngines, getTestEngine } from '../support/test-engine.js';

// One sequence of 512 tokens; 12 exchanges of history take ~1,600 tokens on this model.
const CONTEXT = 512;
const RESERVE = 160;
const history = Array.from({ length: 12 }, (_, i) => [
  { role: 'user' as const, text: `Question ${i}: tell me about the little dog and the big cat in the park.` },
  { role: 'assistant' as const, text: `Once upon a time there was a little dog named Spot ${i}. Spot liked to play in the park with the big cat. They were friends and they played all day long.` },
]).flat();

/** Records the highest context index the sequence reaches while the engine generates (a context shift happens at `contextSize - 1`). */
function watchSequence(e: InferenceEngine) {
  const acquire = e.pool.acquire.bind(e.pool);
  const w = { seq: undefined as LlamaContextSequence | undefined, firstIndex: -1, maxIndex: -1, restore: () => { e.pool.acquire = acquire; } };
  e.pool.acquire = async () => (w.seq = await acquire());
  return {
    w,
    onChunk: () => {
      const i = w.seq!.nextTokenIndex;
      if (w.firstIndex < 0) w.firstIndex = i;
      w.maxIndex = Math.max(w.maxIndex, i);
    },
  };
}

describe.skipIf(!hasTestModel)('the local prompt fits the sequence with room for the answer (tiny model, real inference)', () => {
  afterAll(closeTestEngines);

  it('a long history with a small context: the oldest turns are dropped, the newest kept, and the answer needs no context shift', { timeout: 60_000 }, async () => {
    const e = await getTestEngine(1, CONTEXT);
    expect(e.sequenceContextSize).toBe(CONTEXT);
    const count = (c: ChatTurn[], q: string) => e.countPromptTokens(c, q);
    const input = { question: 'What happened next?', history, historyMaxChars: 12_000, systemPrompt: 'You are R1.', knowledge: { status: 'model_only' as const } };
    expect(count([{ role: 'system', text: 'You are R1.' }, ...history], input.question)).toBeGreaterThan(CONTEXT);

    const p = fitRagPrompt(input, { contextSize: e.sequenceContextSize, maxTokens: RESERVE, count });
    expect(p.droppedHistory).toBeGreaterThan(0);
    expect(p.droppedHistory).toBeLessThan(history.length);
    const sent = p.context.map((t) => t.text).join('\n');
    expect(sent).toContain('Spot 11.');
    expect(sent).not.toContain('Question 0:');
    expect(p.promptTokens).toBe(count(p.context, p.question));
    expect(p.promptTokens).toBeLessThanOrEqual(CONTEXT - RESERVE - CONTEXT_MARGIN_TOKENS);
    expect(p.maxTokens).toBe(RESERVE);

    const { w, onChunk } = watchSequence(e);
    try {
      const r = await e.generate({ context: p.context, question: p.question, maxTokens: p.maxTokens, temperature: 0, onChunk });
      expect(r.completionTokens).toBeGreaterThan(0);
      // What the sequence held when the answer began is the prompt counted above (± the first token).
      expect(w.firstIndex).toBeLessThanOrEqual(p.promptTokens + 1);
      expect(w.maxIndex).toBeLessThan(CONTEXT - 1);
      expect(w.firstIndex + r.completionTokens).toBeLessThan(CONTEXT - 1);
    } finally {
      w.restore();
    }
  });

  it('control: a prompt that fits but leaves less than the answer, given to node-llama-cpp as is, fills the sequence and shifts the context', { timeout: 60_000 }, async () => {
    const e = await getTestEngine(1, CONTEXT);
    const { LlamaChatSession } = await import('node-llama-cpp');
    const seq = await e.pool.acquire();
    let maxIndex = 0;
    try {
      const s = new LlamaChatSession({ contextSequence: seq, autoDisposeSequence: false });
      s.setChatHistory([{ type: 'system', text: 'You are R1.' }, ...history.slice(-6).map((t) => (t.role === 'assistant' ? { type: 'model' as const, response: [t.text] } : { type: 'user' as const, text: t.text }))]);
      await s.prompt('What happened next?', { maxTokens: 400, temperature: 0, onToken: () => { maxIndex = Math.max(maxIndex, seq.nextTokenIndex); } });
      s.dispose({ disposeSequence: false });
    } finally {
      await e.pool.release(seq);
    }
    expect(maxIndex).toBeGreaterThanOrEqual(CONTEXT - 1);
  });

  it('the engine caps the answer budget to the room left rather than shifting the context', { timeout: 60_000 }, async () => {
    const e = await getTestEngine(1, CONTEXT);
    const context: ChatTurn[] = [{ role: 'system', text: 'You are R1.' }, ...history.slice(-6)];
    const promptTokens = e.countPromptTokens(context, 'What happened next?');
    expect(promptTokens + 400).toBeGreaterThan(CONTEXT);
    const { w, onChunk } = watchSequence(e);
    try {
      const r = await e.generate({ context, question: 'What happened next?', maxTokens: 400, temperature: 0, onChunk });
      expect(r.completionTokens).toBeLessThanOrEqual(CONTEXT - CONTEXT_MARGIN_TOKENS - promptTokens);
      expect(w.maxIndex).toBeLessThan(CONTEXT - 1);
    } finally {
      w.restore();
    }
  });

  it('a question that alone exceeds the context is refused as the request\'s fault (400 context_length_exceeded), by the pipeline and by the engine', { timeout: 60_000 }, async () => {
    const e = await getTestEngine(1, CONTEXT);
    const question = 'the little dog ran to the park '.repeat(60);
    const count = (c: ChatTurn[], q: string) => e.countPromptTokens(c, q);
    expect(count([{ role: 'system', text: 'You are R1.' }], question)).toBeGreaterThan(CONTEXT);
    const expectRefused = (err: unknown) => {
      expect(err).toBeInstanceOf(EngineRequestError);
      expect((err as EngineRequestError).status).toBe(400);
      expect((err as Error).message).toMatch(new RegExp(`^${CONTEXT_LENGTH_EXCEEDED}: `));
    };
    let fitErr: unknown;
    try {
      fitRagPrompt({ question, history, historyMaxChars: 12_000, systemPrompt: 'You are R1.', knowledge: { status: 'model_only' } }, { contextSize: e.sequenceContextSize, maxTokens: RESERVE, count });
    } catch (err) {
      fitErr = err;
    }
    expectRefused(fitErr);
    const genErr = await e.generate({ context: [{ role: 'system', text: 'You are R1.' }], question, maxTokens: RESERVE, temperature: 0 }).then(() => undefined, (err: unknown) => err);
    expectRefused(genErr);
    expect(e.pool.inUse).toBe(0);
  });
});
