import { buildPrompt, type InferenceEngine, type GenerateResult, type SourceRef } from '../../src/index.js';
import { ApiRateLimitedError, ApiUnavailableError, splitConversation, type ApiChatBackend, type ApiChatEvent, type ApiKnowledge } from '../../adapters/api/index.js';

export interface EngineChatBackendOptions {
  engine: InferenceEngine;
  /** Server-side token limit; requests ask for less with max_tokens. */
  maxTokens: number;
  /** Per-client completions per minute (fixed window, in memory). Defaults to unlimited. */
  ratePerMin?: number;
  /** GBNF grammar forcing the output's shape (the tiny model only "thinks" when forced). */
  gbnf?: string;
  /** Knowledge the answer reports (retrieval is the lead's backend; this tests the rendering). */
  knowledge?: { sources: SourceRef[]; status: ApiKnowledge };
  /** Readiness; false → 503. */
  ready?: () => boolean;
}

/**
 * An `ApiChatBackend` that drives a real `InferenceEngine` directly (real inference, no queue),
 * for the API's tests. `results` records every finished generation; `signals` the abort signals seen.
 */
export function createEngineChatBackend(o: EngineChatBackendOptions): ApiChatBackend & { results: GenerateResult[]; signals: AbortSignal[] } {
  const windows = new Map<string, { minute: number; count: number }>();
  const results: GenerateResult[] = [];
  const signals: AbortSignal[] = [];
  return {
    results,
    signals,
    async complete(req, client, signal) {
      if (o.ready && !o.ready()) throw new ApiUnavailableError('no inference worker is ready');
      if (o.ratePerMin !== undefined) {
        const minute = Math.floor(Date.now() / 60_000);
        const w = windows.get(client.client);
        const count = w && w.minute === minute ? w.count + 1 : 1;
        windows.set(client.client, { minute, count });
        if (count > o.ratePerMin) throw new ApiRateLimitedError(Math.ceil((60_000 - (Date.now() % 60_000)) / 1000));
      }
      signals.push(signal);
      const { system, history, question } = splitConversation(req.messages);
      const prompt = buildPrompt({ question, history, historyMaxChars: 4000, systemPrompt: system });
      const maxTokens = Math.min(req.maxTokens ?? o.maxTokens, o.maxTokens);

      // Bridges the engine's chunk callback to an async iterable.
      const queue: ApiChatEvent[] = [];
      let wake: (() => void) | undefined;
      let finished = false;
      let failure: unknown;
      const push = (e: ApiChatEvent) => {
        queue.push(e);
        wake?.();
      };
      o.engine
        .generate({
          context: prompt.context, question: prompt.question, maxTokens, temperature: req.temperature ?? 0, signal, gbnf: req.jsonSchema ? undefined : o.gbnf, jsonSchema: req.jsonSchema,
          onChunk: (c) => push({ type: c.kind === 'thought' ? 'reasoning' : 'content', text: c.text }),
        })
        .then((r) => {
          results.push(r);
          const k = o.knowledge ?? { sources: [], status: 'model_only' as const };
          push({
            type: 'done', finishReason: !r.stopped && r.completionTokens >= maxTokens ? 'length' : 'stop',
            usage: { promptTokens: r.promptTokens, completionTokens: r.completionTokens, reasoningTokens: r.reasoningTokens },
            sources: k.sources, knowledge: k.status,
          });
        })
        .catch((e: unknown) => (failure = e))
        .finally(() => {
          finished = true;
          wake?.();
        });
      return (async function* () {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (finished) {
            if (failure) throw failure;
            return;
          }
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      })();
    },
  };
}
