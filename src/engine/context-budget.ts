import { EngineRequestError } from '../errors.js';

/** Prefix of the error for a prompt that cannot fit the model's context (OpenAI's error code). */
export const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded';

/**
 * Tokens kept free past the prompt and the answer budget: node-llama-cpp shifts the context when
 * the next token index reaches `contextSize - 1`, and a thought budget's forced `</think>` is
 * evaluated without counting as generated.
 */
export const CONTEXT_MARGIN_TOKENS = 8;

/** Below this much room for the answer (or the asked maximum, if smaller) the request is refused. */
export const MIN_ANSWER_TOKENS = 32;

/** How many tokens a prompt may use so that `reserve` answer tokens still fit a sequence of `contextSize`. */
export function promptTokenLimit(contextSize: number, reserve: number): number {
  return contextSize - CONTEXT_MARGIN_TOKENS - reserve;
}

/**
 * The answer budget for a prompt of `promptTokens` (already as small as it can be made): the asked
 * `maxTokens` when it fits, else what is left of the sequence (as llama.cpp's server caps
 * `n_predict`); refused (HTTP 400, never retried) when not even {@link MIN_ANSWER_TOKENS} are left.
 */
export function answerBudget(promptTokens: number, contextSize: number, maxTokens: number, engineUrl = 'llama'): number {
  const room = contextSize - CONTEXT_MARGIN_TOKENS - promptTokens;
  if (room >= maxTokens) return maxTokens;
  if (room >= Math.min(maxTokens, MIN_ANSWER_TOKENS)) return room;
  throw new EngineRequestError(engineUrl, 400,
    `${CONTEXT_LENGTH_EXCEEDED}: the prompt needs ${promptTokens} tokens without any history or sources, but the model's context holds ${contextSize} tokens per sequence ` +
    `(and at least ${Math.min(maxTokens, MIN_ANSWER_TOKENS)} are kept for the answer). Shorten the question or raise LLAMA_CONTEXT_SIZE.`);
}
