import type { TrainingExample } from '../diagnosis/index.js';
import type { PromptMessage } from '../prompts/index.js';
import type { RatedAnswer } from '../storage/index.js';

/**
 * Dataset shapes, one JSON object per line:
 * - `sft`: `{"messages": [...prompt, assistant]}` (TRL's conversational language-modeling format);
 * - `dpo`: `{"prompt": [...], "chosen": [assistant], "rejected": [assistant]}` (TRL's conversational preference format);
 * - `kto`: `{"prompt": [...], "completion": [assistant], "label": true|false}` (TRL's conversational unpaired preference format);
 * - `openai-dpo`: `{"input": {"messages": [...]}, "preferred_output": [assistant], "non_preferred_output": [assistant]}`
 *   (OpenAI's preference fine-tuning format).
 * `sft`, `dpo` and `kto` lines also carry a `meta` object (source, ids, pseudonymised users);
 * `openai-dpo` lines carry nothing else, as OpenAI's upload checks the shape.
 * @see https://huggingface.co/docs/trl/dataset_formats
 * @see https://platform.openai.com/docs/guides/direct-preference-optimization
 */
export const DATASET_FORMATS = ['sft', 'dpo', 'kto', 'openai-dpo'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

type Assistant = { role: 'assistant'; content: string };

export interface DatasetMeta {
  source: 'answer' | 'correction' | 'diagnosis' | 'pair';
  messageId?: string;
  diagnosisId?: string;
  platform: string;
  /** Pseudonym of who asked. */
  asker: string;
  /** Pseudonyms of who voted (or corrected) toward this line's label. */
  voters: string[];
  createdAt: string;
}

export type DatasetLine =
  | { messages: PromptMessage[]; meta: DatasetMeta }
  | { prompt: PromptMessage[]; chosen: Assistant[]; rejected: Assistant[]; meta: DatasetMeta }
  | { prompt: PromptMessage[]; completion: Assistant[]; label: boolean; meta: DatasetMeta }
  | { input: { messages: PromptMessage[] }; preferred_output: Assistant[]; non_preferred_output: Assistant[] };

export interface BuildDatasetOptions {
  format: DatasetFormat;
  /** Put R1's reasoning before the answer as `<think>…</think>` (model answers only; corrections have none). */
  withReasoning: boolean;
  /** Stable pseudonym of a user id. */
  pseudonym: (platform: string, tenant: string, userId: string) => string;
  /** Masks personal data in every message text; identity when not redacting. */
  redact: (text: string) => string;
}

export interface BuiltDataset {
  lines: DatasetLine[];
  /** Lines per kind (e.g. `sft.answers`, `dpo.pairs_from_corrections`), and what was skipped and why. */
  counts: Record<string, number>;
}

const labelOf = (a: RatedAnswer): 'good' | 'bad' | 'tied' => {
  const up = a.votes.filter((v) => v.value === 'up').length;
  const down = a.votes.length - up;
  return up > down ? 'good' : down > up ? 'bad' : 'tied';
};

/**
 * Turns rated answers (and resolved diagnoses, as SFT and desirable KTO examples) into the lines of
 * one dataset format. Pure: the caller reads the database and writes the file.
 * - An answer's label is its majority vote (ties are left out of `sft` and `kto`).
 * - `sft`: 👍 answers, every correction (the prompt with the correction as the answer), resolved diagnoses.
 * - `dpo` / `openai-dpo`: for each 👎 answer or answer with a correction, one pair per preferred
 *   text: each correction on it, and each 👍 answer to the byte-identical prompt.
 * - `kto`: each labelled answer once (`label` = 👍), and resolved diagnoses (`true`).
 */
export function buildDataset(answers: readonly RatedAnswer[], diagnoses: readonly (TrainingExample & { platform?: string; tenant?: string; requestedBy?: string })[], o: BuildDatasetOptions): BuiltDataset {
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const lines: DatasetLine[] = [];
  const msgs = (m: readonly PromptMessage[]) => m.map((x) => ({ role: x.role, content: o.redact(x.content) }));
  const said = (text: string): Assistant[] => [{ role: 'assistant', content: o.redact(text) }];
  const answerText = (a: RatedAnswer) => (o.withReasoning && a.reasoning.trim() ? `<think>\n${a.reasoning.trim()}\n</think>\n\n${a.answer}` : a.answer);
  const who = (a: RatedAnswer, id: string) => o.pseudonym(a.platform, a.tenant, id);
  const meta = (a: RatedAnswer, source: DatasetMeta['source'], voters: string[]): DatasetMeta => ({
    source, messageId: a.messageId, platform: a.platform, asker: who(a, a.askerId), voters: voters.map((v) => who(a, v)), createdAt: a.createdAt.toISOString(),
  });
  const corrections = (a: RatedAnswer) => {
    const seen = new Map<string, string[]>();
    for (const v of a.votes) if (v.correction) seen.set(v.correction, [...(seen.get(v.correction) ?? []), v.userId]);
    return [...seen.entries()].map(([text, users]) => ({ text, users }));
  };

  if (o.format === 'sft') {
    for (const a of answers) {
      if (labelOf(a) === 'good') {
        lines.push({ messages: [...msgs(a.prompt), ...said(answerText(a))], meta: meta(a, 'answer', a.votes.filter((v) => v.value === 'up').map((v) => v.userId)) });
        count('sft.answers');
      }
      for (const c of corrections(a)) {
        lines.push({ messages: [...msgs(a.prompt), ...said(c.text)], meta: meta(a, 'correction', c.users) });
        count('sft.corrections');
      }
    }
  } else if (o.format === 'kto') {
    for (const a of answers) {
      const label = labelOf(a);
      if (label === 'tied') {
        count('skipped.tied_votes');
        continue;
      }
      lines.push({ prompt: msgs(a.prompt), completion: said(answerText(a)), label: label === 'good', meta: meta(a, 'answer', a.votes.filter((v) => (v.value === 'up') === (label === 'good')).map((v) => v.userId)) });
      count(label === 'good' ? 'kto.desirable' : 'kto.undesirable');
    }
  } else {
    // Preference pairs: 👍 answers by their exact prompt, so another answer to the same prompt can be preferred.
    const key = (p: readonly PromptMessage[]) => JSON.stringify(p.map((m) => [m.role, m.content]));
    const good = new Map<string, RatedAnswer[]>();
    for (const a of answers) if (labelOf(a) === 'good') good.set(key(a.prompt), [...(good.get(key(a.prompt)) ?? []), a]);
    for (const a of answers) {
      const fixes = corrections(a);
      if (labelOf(a) !== 'bad' && fixes.length === 0) continue;
      const chosen = [
        ...fixes.map((c) => ({ text: c.text, users: c.users, kind: 'corrections' })),
        ...(good.get(key(a.prompt)) ?? []).filter((g) => g.answer !== a.answer).map((g) => ({ text: answerText(g), users: g.votes.filter((v) => v.value === 'up').map((v) => v.userId), kind: 'answers' })),
      ];
      if (chosen.length === 0) count('skipped.no_preferred_answer');
      for (const c of chosen) {
        lines.push(o.format === 'dpo'
          ? { prompt: msgs(a.prompt), chosen: said(c.text), rejected: said(answerText(a)), meta: meta(a, 'pair', c.users) }
          : { input: { messages: msgs(a.prompt) }, preferred_output: said(c.text), non_preferred_output: said(answerText(a)) });
        count(`${o.format}.pairs_from_${c.kind}`);
      }
    }
  }

  if (o.format === 'sft' || o.format === 'kto') {
    for (const d of diagnoses) {
      const m = msgs(d.messages);
      const last = m.at(-1)!;
      const dm: DatasetMeta = {
        source: 'diagnosis', diagnosisId: d.meta.diagnosisId, platform: d.platform ?? '', asker: d.requestedBy ? o.pseudonym(d.platform ?? '', d.tenant ?? '', d.requestedBy) : '',
        voters: d.meta.outcomeBy ? [o.pseudonym(d.platform ?? '', d.tenant ?? '', d.meta.outcomeBy)] : [], createdAt: d.meta.createdAt,
      };
      lines.push(o.format === 'sft' ? { messages: m, meta: dm } : { prompt: m.slice(0, -1), completion: [{ role: 'assistant', content: last.content }], label: true, meta: dm });
      count(`${o.format}.diagnoses`);
    }
  }
  return { lines, counts };
}
