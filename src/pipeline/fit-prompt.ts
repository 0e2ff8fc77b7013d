import { answerBudget, CONTEXT_MARGIN_TOKENS, MIN_ANSWER_TOKENS, promptTokenLimit } from '../engine/context-budget.js';
import { buildRagPrompt, type BuiltPrompt, type KnowledgeContext, type RagPromptInput } from '../prompts/index.js';

export interface PromptTokenBudget {
  /** Tokens one sequence of the model's context holds. */
  contextSize: number;
  /** Answer tokens asked for (the request's max tokens, capped by LLAMA_MAX_TOKENS): kept free. */
  maxTokens: number;
  /** Tokens of a prompt as the engine sends it (chat template and the model's tokenizer). */
  count: (context: BuiltPrompt['context'], question: string) => number;
}

export interface FittedPrompt extends BuiltPrompt {
  /** Tokens of the prompt as it will be sent. */
  promptTokens: number;
  /** The answer budget to generate with: `maxTokens`, or less when not even the bare question leaves that much room. */
  maxTokens: number;
  /** Of `droppedHistory`, the messages dropped for the token budget (the rest went to HISTORY_MAX_CHARS). */
  droppedHistoryForTokens: number;
  /** Sources kept: the highest-ranked ones (`[1]…[keptSources]`); the rest were dropped for the token budget. */
  keptSources: number;
}

/** Smallest `n` in [lo, hi] for which `ok(n)` holds (`ok` is monotone and holds at `hi`). */
function smallest(lo: number, hi: number, ok: (n: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * {@link buildRagPrompt}, made to fit one sequence of the model's context with room for the answer
 * (prompt + `maxTokens` within `contextSize`), so generation never needs a context shift: the oldest
 * history messages are dropped first; then the answer budget shrinks to the room left (while it is at
 * least MIN_ANSWER_TOKENS), and only below that the lowest-ranked sources go; the question is never cut.
 * If even the question alone leaves no room for `maxTokens`, the answer budget shrinks to what is
 * left, and a question that leaves no useful room is refused (`context_length_exceeded`, HTTP 400:
 * the request's fault, never retried). Pure apart from `count`.
 */
export function fitRagPrompt(input: RagPromptInput, budget: PromptTokenBudget): FittedPrompt {
  const limit = promptTokenLimit(budget.contextSize, budget.maxTokens);
  const base = buildRagPrompt(input);
  const sources = input.knowledge.status === 'cited' ? input.knowledge.sources : [];
  const withSources = (n: number): KnowledgeContext =>
    input.knowledge.status !== 'cited' || n === sources.length ? input.knowledge
      : n === 0 ? { status: 'model_only' } : { status: 'cited', sources: sources.slice(0, n) };
  // History after HISTORY_MAX_CHARS; dropping `d` more of its oldest messages.
  const charKept = input.history.slice(base.droppedHistory);
  const build = (d: number, n: number) => {
    const p = buildRagPrompt({ ...input, history: charKept.slice(d), knowledge: withSources(n) });
    return { ...p, droppedHistory: base.droppedHistory + d };
  };
  const measured = new Map<string, { p: BuiltPrompt; tokens: number }>();
  const measure = (d: number, n: number) => {
    const k = `${d}/${n}`;
    let m = measured.get(k);
    if (!m) {
      const p = build(d, n);
      m = { p, tokens: budget.count(p.context, p.question) };
      measured.set(k, m);
    }
    return m;
  };
  const done = (d: number, n: number, maxTokens = budget.maxTokens): FittedPrompt => {
    const { p, tokens } = measure(d, n);
    return { ...p, promptTokens: tokens, maxTokens, droppedHistoryForTokens: d, keptSources: n };
  };
  const all = sources.length;
  if (measure(0, all).tokens <= limit) return done(0, all);
  // Oldest history first: the fewest messages dropped that make it fit.
  const H = charKept.length;
  if (measure(H, all).tokens <= limit) return done(smallest(1, H, (d) => measure(d, all).tokens <= limit), all);
  // No history left: the sources stay and the answer gets the room left (as llama.cpp's server
  // caps n_predict), while that is a useful answer; only then the lowest-ranked sources go.
  const withAll = measure(H, all).tokens;
  if (all > 0 && budget.contextSize - CONTEXT_MARGIN_TOKENS - withAll >= Math.min(budget.maxTokens, MIN_ANSWER_TOKENS)) {
    return done(H, all, answerBudget(withAll, budget.contextSize, budget.maxTokens));
  }
  if (all > 0 && measure(H, 0).tokens <= limit) {
    const dropped = smallest(1, all, (k) => measure(H, all - k).tokens <= limit);
    return done(H, all - dropped);
  }
  // The bare question does not leave `maxTokens`: answer in what is left, or refuse.
  const bare = measure(H, 0).tokens;
  return done(H, 0, answerBudget(bare, budget.contextSize, budget.maxTokens));
}
