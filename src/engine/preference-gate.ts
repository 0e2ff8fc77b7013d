import type { ChatHistoryItem, ChatWrapper, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { resolveChatWrapper } from 'node-llama-cpp';
import { z } from 'zod';
import { InputError } from '../errors.js';

/**
 * The evaluation gate for LoRA adapters: on held-out preference pairs (DPO lines), the share of
 * pairs where the model gives the chosen answer a higher log-likelihood than the rejected one,
 * for the base model and for the adapter. An adapter is promoted only when it beats the base.
 *
 * The log-likelihood of an answer is the sum, over its tokens, of the log-probability the model
 * gives each token after the prompt and the answer's earlier tokens (teacher forcing), read with
 * node-llama-cpp's `controlledEvaluate` (full next-token distribution, raw logits softmaxed: no
 * temperature, no penalties). Prompt and answer are rendered with the model's own chat wrapper,
 * as chat answers are; the answer's tokens are those the full rendering adds after the prompt's.
 */

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const messages = z.union([z.string().transform((content) => [{ role: 'user' as const, content }]), z.array(message).min(1)]);
const answer = z.union([z.string().transform((content) => [{ role: 'assistant' as const, content }]), z.array(message).min(1)])
  .refine((ms) => ms.every((m) => m.role === 'assistant'), 'chosen and rejected hold assistant messages only');

/** One DPO line: `{"prompt":[messages],"chosen":[messages],"rejected":[messages]}` (TRL's conversational format; strings accepted too). */
export const preferencePairSchema = z.object({ prompt: messages, chosen: answer, rejected: answer });
export type PreferencePair = z.output<typeof preferencePairSchema>;

/** Parses a DPO JSONL file's text; a bad line throws {@link InputError} naming the line. Blank lines are skipped. */
export function parsePreferencePairs(text: string): PreferencePair[] {
  const out: PreferencePair[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new InputError(`line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const r = preferencePairSchema.safeParse(json);
    if (!r.success) throw new InputError(`line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.') || 'line'}: ${x.message}`).join('; ')}`);
    out.push(r.data);
  });
  if (!out.length) throw new InputError('no preference pairs in the file');
  return out;
}

/** A pair rendered to tokens: the shared prompt prefix and each answer's continuation of it. */
export interface RenderedPair {
  prefix: Token[];
  chosen: Token[];
  rejected: Token[];
}

const toHistory = (ms: PreferencePair['prompt']): ChatHistoryItem[] =>
  ms.map((m) => (m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content }));

const commonPrefix = (a: Token[], b: Token[]) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

/** Renders a pair with the chat wrapper and tokenizes it (see the module comment). */
export function renderPair(model: LlamaModel, wrapper: ChatWrapper, pair: PreferencePair): RenderedPair {
  const render = (response: string[]) => wrapper.generateContextState({ chatHistory: [...toHistory(pair.prompt), { type: 'model', response }] })
    .contextText.tokenize(model.tokenizer);
  const open = render([]);
  const chosen = render([pair.chosen.map((m) => m.content).join('\n\n')]);
  const rejected = render([pair.rejected.map((m) => m.content).join('\n\n')]);
  const n = Math.min(commonPrefix(open, chosen), commonPrefix(open, rejected));
  if (n === 0) throw new InputError('a pair renders to no common prompt prefix');
  return { prefix: chosen.slice(0, n), chosen: chosen.slice(n), rejected: rejected.slice(n) };
}

/** One side of the gate (the base model or the adapter). */
export interface PreferenceScore {
  pairs: number;
  /** Pairs where log p(chosen) > log p(rejected) (a tie is not a win). */
  wins: number;
  /** wins / pairs. */
  share: number;
  /** Mean of log p(chosen) − log p(rejected), in nats. */
  meanMargin: number;
  /** Per pair: [log p(chosen), log p(rejected)]. */
  logLikelihoods: Array<[number, number]>;
}

/** Floor for a probability the model gives as 0 (float underflow), so a log stays finite. */
const MIN_PROB = 1e-30;

/**
 * Sum of log-probabilities of `answer` continuing the sequence's current state, whose last token's
 * next-token distribution is `first`. Leaves the answer's tokens in the sequence.
 */
async function answerLogLikelihood(seq: LlamaContextSequence, first: Map<Token, number>, answer: Token[]): Promise<number> {
  if (!answer.length) return 0;
  let sum = Math.log(Math.max(first.get(answer[0]!) ?? 0, MIN_PROB));
  if (answer.length === 1) return sum;
  const res = await seq.controlledEvaluate(answer.map((t, i) => (i < answer.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
  for (let i = 0; i < answer.length - 1; i++) {
    const p = res[i]?.next.probabilities?.get(answer[i + 1]!) ?? 0;
    sum += Math.log(Math.max(p, MIN_PROB));
  }
  return sum;
}

/** Scores pairs on one context (its adapter, or none). Pairs run one after another on one sequence. */
export async function scorePreferences(context: LlamaContext, pairs: RenderedPair[]): Promise<PreferenceScore> {
  const seq = context.getSequence();
  const lls: Array<[number, number]> = [];
  try {
    for (const p of pairs) {
      await seq.clearHistory();
      const head = await seq.controlledEvaluate(p.prefix.map((t, i) => (i === p.prefix.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
      const first = head[p.prefix.length - 1]?.next.probabilities ?? new Map<Token, number>();
      const chosen = await answerLogLikelihood(seq, first, p.chosen);
      await seq.eraseContextTokenRanges([{ start: p.prefix.length, end: seq.nextTokenIndex }]);
      const rejected = await answerLogLikelihood(seq, first, p.rejected);
      lls.push([chosen, rejected]);
    }
  } finally {
    seq.dispose();
  }
  const wins = lls.filter(([c, r]) => c > r).length;
  return {
    pairs: lls.length, wins, share: lls.length ? wins / lls.length : 0,
    meanMargin: lls.length ? lls.reduce((a, [c, r]) => a + (c - r), 0) / lls.length : 0,
    logLikelihoods: lls,
  };
}

export interface PreferenceGateOptions {
  model: LlamaModel;
  threads: number;
  /** Context size in tokens; must hold the longest prompt + answer. Defaults to 4096 (capped at the model's). */
  contextSize?: number;
}

/** The adapter side of the gate: a GGUF LoRA file and its scale. */
export interface GateAdapter {
  filePath: string;
  scale: number;
}

/** The gate's verdict: base and adapter side by side (and the adapter in service, when given). */
export interface GateResult {
  base: PreferenceScore;
  adapter: PreferenceScore;
  /** The adapter now in service (`--against`), scored on the same pairs. */
  current?: PreferenceScore;
  /** The adapter's share is above the base's by more than `minGain` (and above the current adapter's, when given). */
  pass: boolean;
}

/**
 * Runs the gate on a loaded model: renders the pairs once with the model's chat wrapper, then
 * scores them on a base context and on a context with the adapter (one at a time, each disposed).
 */
export async function runPreferenceGate(o: PreferenceGateOptions, pairs: PreferencePair[], adapter: GateAdapter, minGain = 0, current?: GateAdapter): Promise<GateResult> {
  const rendered = renderPairs(o.model, pairs);
  const contextSize = Math.min(o.contextSize ?? 4096, o.model.trainContextSize);
  const longest = Math.max(...rendered.map((p) => p.prefix.length + Math.max(p.chosen.length, p.rejected.length)));
  if (longest > contextSize) throw new InputError(`the longest pair is ${longest} tokens, more than the context (${contextSize}): raise --context-size`);
  const score = async (lora?: GateAdapter) => {
    const ctx = await o.model.createContext({ contextSize, sequences: 1, threads: o.threads, ...(lora ? { lora: { adapters: [lora] } } : {}) });
    try {
      return await scorePreferences(ctx, rendered);
    } finally {
      await ctx.dispose();
    }
  };
  const base = await score();
  const withAdapter = await score(adapter);
  if (!current) return { base, adapter: withAdapter, pass: withAdapter.share - base.share > minGain };
  // A new version replaces the one in service only when it beats that one too.
  const inService = await score(current);
  return { base, adapter: withAdapter, current: inService, pass: withAdapter.share - base.share > minGain && withAdapter.share - inService.share > minGain };
}

/** Renders every pair with the model's own chat wrapper (the one chat answers use). */
export function renderPairs(model: LlamaModel, pairs: PreferencePair[]): RenderedPair[] {
  const wrapper = resolveChatWrapper(model);
  return pairs.map((p) => renderPair(model, wrapper, p));
}

/** The gate's table, base and adapter side by side (and the adapter in service, named `currentName`). */
export function formatGateResult(name: string, r: GateResult, minGain = 0, currentName = 'in service'): string {
  const row = (label: string, s: PreferenceScore) =>
    `${label.padEnd(22)} ${`${s.wins}/${s.pairs}`.padStart(9)} ${(s.share * 100).toFixed(1).padStart(7)}% ${s.meanMargin.toFixed(3).padStart(12)}`;
  const gain = (r.adapter.share - r.base.share) * 100;
  return [
    `${'model'.padEnd(22)} ${'chosen>rej'.padStart(9)} ${'share'.padStart(8)} ${'mean margin'.padStart(12)}`,
    row('base', r.base),
    row(`adapter ${name}`, r.adapter),
    ...(r.current ? [row(`current ${currentName}`, r.current)] : []),
    verdict(r.adapter.share - r.base.share > minGain, 'the base', gain, minGain),
    ...(r.current ? [verdict(r.adapter.share - r.current.share > minGain, `${currentName}, in service`, (r.adapter.share - r.current.share) * 100, minGain)] : []),
  ].join('\n');
}

const verdict = (beats: boolean, what: string, points: number, minGain: number) =>
  `${beats ? 'PASS' : 'FAIL'}: the adapter ${beats ? 'beats' : 'does not beat'} ${what} (${points >= 0 ? '+' : ''}${points.toFixed(1)} points; needed more than +${(minGain * 100).toFixed(1)})`;
