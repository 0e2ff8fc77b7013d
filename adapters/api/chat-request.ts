import { z } from 'zod';
import type { ChatTurn } from '../../src/index.js';
import { badRequest, OpenAiError } from './errors.js';
import type { ApiChatRequest } from './types.js';

/** Parameters we refuse with a 400 rather than ignore: silently dropping them would change answers. */
const UNSUPPORTED: Array<{ param: string; refused: (v: unknown) => boolean; why: string }> = [
  { param: 'n', refused: (v) => v != null && v !== 1, why: 'only one choice per request is supported (n must be 1)' },
  { param: 'tools', refused: (v) => (Array.isArray(v) ? v.length > 0 : v != null), why: 'tool calling is not supported by this model server' },
  { param: 'tool_choice', refused: (v) => v != null && v !== 'none', why: 'tool calling is not supported by this model server' },
  { param: 'functions', refused: (v) => (Array.isArray(v) ? v.length > 0 : v != null), why: 'function calling is not supported by this model server' },
  { param: 'function_call', refused: (v) => v != null && v !== 'none', why: 'function calling is not supported by this model server' },
  { param: 'logprobs', refused: (v) => v === true, why: 'logprobs are not supported' },
  { param: 'top_logprobs', refused: (v) => v != null && v !== 0, why: 'logprobs are not supported' },
  { param: 'response_format', refused: (v) => v != null && !['text', 'json_schema'].includes((v as { type?: unknown }).type as string), why: 'only response_format {"type":"text"} and {"type":"json_schema"} are supported' },
  { param: 'audio', refused: (v) => v != null, why: 'audio output is not supported' },
  { param: 'modalities', refused: (v) => Array.isArray(v) && v.some((m) => m !== 'text'), why: 'only the text modality is supported' },
  { param: 'prediction', refused: (v) => v != null, why: 'predicted outputs are not supported' },
];

const contentPart = z.object({ type: z.string() }).loose();
const content = z.union([z.string(), z.array(contentPart)]);

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: content.nullish(),
  name: z.string().optional(),
}).loose();

const positiveInt = z.number().int().positive();

/**
 * `POST /v1/chat/completions` body, as far as we use it. Unknown fields are ignored (clients send
 * `top_p`, `seed`, `metadata`, …), the unsupported ones above are refused first.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export const chatCompletionBodySchema = z.object({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  user: z.string().max(256).nullish(),
  response_format: z.union([
    z.object({ type: z.literal('text') }).loose(),
    // Structured output: the answer is constrained to this JSON Schema (guided decoding).
    z.object({ type: z.literal('json_schema'), json_schema: z.object({ name: z.string().min(1).max(64), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullish() }).loose() }).loose(),
  ]).nullish(),
}).loose();

/** zod's path → OpenAI's `param` spelling: `messages[0].content`. */
export function toParam(path: ReadonlyArray<PropertyKey>): string | null {
  if (path.length === 0) return null;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function textOf(c: z.infer<typeof content> | null | undefined, at: string): string {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c
    .map((part, j) => {
      if (part.type !== 'text') throw badRequest(`only text content parts are supported (got ${part.type})`, `${at}.content[${j}]`, 'unsupported_content_type');
      const t = (part as { text?: unknown }).text;
      if (typeof t !== 'string') throw badRequest('a text content part needs a string `text`', `${at}.content[${j}].text`);
      return t;
    })
    .join('\n');
}

/**
 * Validates and translates a chat completion body. Throws `OpenAiError` 400 naming the parameter.
 * The caller checks `model` against the served id.
 */
export function parseChatRequest(body: unknown): ApiChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object', null, 'invalid_json');
  const raw = body as Record<string, unknown>;
  for (const u of UNSUPPORTED) if (u.refused(raw[u.param])) throw badRequest(`Unsupported parameter: '${u.param}': ${u.why}.`, u.param, 'unsupported_parameter');
  const res = chatCompletionBodySchema.safeParse(body);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const param = toParam(issue.path);
    throw badRequest(`Invalid value for ${param ? `'${param}'` : 'the request'}: ${issue.message}`, param);
  }
  const b = res.data;
  const messages: ChatTurn[] = b.messages.map((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'tool' || m.role === 'function') throw badRequest(`messages with role '${m.role}' are not supported (no tool calling)`, `${at}.role`, 'unsupported_parameter');
    if (m.role === 'assistant' && (m as { tool_calls?: unknown }).tool_calls != null) throw badRequest('assistant tool_calls are not supported', `${at}.tool_calls`, 'unsupported_parameter');
    return { role: m.role === 'developer' ? 'system' : m.role, text: textOf(m.content, at) };
  });
  const last = messages[messages.length - 1]!;
  if (last.role !== 'user') throw badRequest('the last message must have role \'user\' (the question to answer)', `messages[${messages.length - 1}].role`);
  if (!last.text.trim()) throw badRequest('the last user message is empty', `messages[${messages.length - 1}].content`);
  const stop = (typeof b.stop === 'string' ? [b.stop] : (b.stop ?? [])).filter((s) => s.length > 0);
  return {
    model: b.model,
    messages,
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
    temperature: b.temperature ?? undefined,
    stop,
    user: b.user ?? undefined,
    stream: b.stream === true,
    jsonSchema: b.response_format?.type === 'json_schema' ? b.response_format.json_schema.schema : undefined,
  };
}

/**
 * A request as the chat pipeline takes a question: the client's system text (all system turns,
 * joined), the earlier turns as history, and the last user turn as the question.
 */
export function splitConversation(messages: ChatTurn[]): { system: string | undefined; history: Array<{ role: 'user' | 'assistant'; text: string }>; question: string } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.text).filter(Boolean).join('\n\n');
  const turns = messages.filter((m): m is ChatTurn & { role: 'user' | 'assistant' } => m.role !== 'system');
  const last = turns[turns.length - 1];
  if (!last || last.role !== 'user') throw new OpenAiError(400, 'the last message must have role \'user\'', 'invalid_request_error', 'messages');
  return { system: system || undefined, history: turns.slice(0, -1).map((t) => ({ role: t.role, text: t.text })), question: last.text };
}
