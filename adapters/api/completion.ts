import { randomBytes } from 'node:crypto';
import type { SourceRef } from '../../src/index.js';
import type { ApiKnowledge, ApiUsage } from './types.js';

/** Said under a model-only answer (the client has no knowledge scope), as Slack says it for a channel. */
export const MODEL_ONLY_NOTE = 'Model-only answer: no knowledge scope is attached to this API client, so nothing here is cited.';
/** Said when the client's documents had nothing relevant. */
export const NO_MATCH_NOTE = 'Nothing relevant was found in the documents attached to this API client; this answer cites no source.';

/** A source as the API returns it: `path` for an ingested document, `url` for a web result. */
export interface ApiSource {
  /** The `[n]` the answer cites it by. */
  index: number;
  title: string;
  section: string;
  path?: string;
  url?: string;
}

export const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;

export function toApiSources(sources: SourceRef[]): ApiSource[] {
  return sources.map((s) => ({ index: s.n, title: s.title, section: s.section, ...(s.web ? { url: s.source } : { path: s.source }) }));
}

/** Markdown escape for titles (they are text, not markup). */
const md = (s: string) => s.replace(/([\\`*_[\]])/g, '\\$1');

/**
 * The text appended to `content` after the answer, the same list Slack shows under an answer:
 * `[n] **Title** › Section · `path`` (or `[n] 🌐 web · [Title](url)`), or the model-only /
 * nothing-found note. Empty when there is nothing to say.
 */
export function sourcesSuffix(sources: SourceRef[], knowledge: ApiKnowledge): string {
  if (sources.length > 0) {
    const lines = sources.map((s) =>
      s.web ? `[${s.n}] 🌐 web · [${md(s.title)}](${s.source.replace(/[()\s]/g, encodeURIComponent)})` : `[${s.n}] **${md(s.title)}**${s.section ? ` › ${md(s.section)}` : ''} · \`${s.source.replace(/`/g, "'")}\``,
    );
    return `\n\n**Sources**\n${lines.join('\n')}`;
  }
  if (knowledge === 'model_only') return `\n\n_${MODEL_ONLY_NOTE}_`;
  if (knowledge === 'no_match') return `\n\n_${NO_MATCH_NOTE}_`;
  return '';
}

export function toOpenAiUsage(u: ApiUsage) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export interface CompletionInput {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  content: string;
  reasoning: string;
  finishReason: 'stop' | 'length';
  usage: ApiUsage;
  sources: SourceRef[];
}

/**
 * A non-streaming `chat.completion`. R1's thinking is `message.reasoning_content`, as DeepSeek's
 * own API returns it; `content` is the answer only.
 * @see https://api-docs.deepseek.com/guides/reasoning_model
 */
export function buildCompletion(c: CompletionInput) {
  return {
    id: c.id,
    object: 'chat.completion' as const,
    created: c.created,
    model: c.model,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: c.content, reasoning_content: c.reasoning || null, refusal: null }, logprobs: null, finish_reason: c.finishReason }],
    usage: toOpenAiUsage(c.usage),
    sources: toApiSources(c.sources),
  };
}

export interface ChunkInput {
  id: string;
  created: number;
  model: string;
  delta: { role?: 'assistant'; content?: string; reasoning_content?: string };
  finishReason?: 'stop' | 'length';
  usage?: ApiUsage;
  sources?: SourceRef[];
}

/** One `chat.completion.chunk`; the last one carries `finish_reason`, `usage` and `sources`. */
export function buildChunk(c: ChunkInput) {
  return {
    id: c.id,
    object: 'chat.completion.chunk' as const,
    created: c.created,
    model: c.model,
    choices: [{ index: 0, delta: c.delta, logprobs: null, finish_reason: c.finishReason ?? null }],
    ...(c.usage ? { usage: toOpenAiUsage(c.usage) } : {}),
    ...(c.sources ? { sources: toApiSources(c.sources) } : {}),
  };
}
