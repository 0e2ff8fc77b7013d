import { z } from 'zod';
import { refuseBytes, type ChatTurn } from '../../src/index.js';
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

/** Image limits of the API (IMAGE_MAX_BYTES, IMAGE_MAX_COUNT). */
export interface ApiImageLimits {
  maxBytes: number;
  maxCount: number;
}
const DEFAULT_IMAGE_LIMITS: ApiImageLimits = { maxBytes: 10 * 1024 * 1024, maxCount: 4 };

/** The header of `data:image/png;base64,…` (RFC 2397): media type, parameters, base64. */
const DATA_URL_HEADER_RE = /^data:([\w.+-]+\/[\w.+-]+)?(?:;[\w.+-]+=[^;,]*)*;base64$/i;

/**
 * An `image_url` part → the image's bytes, checked like every surface's (size, type from the
 * bytes). Only `data:` URLs: the server fetches nothing from outside (a remote URL is a 400 that
 * says how to send the image instead).
 */
function imageOf(part: Record<string, unknown>, where: string, n: number, limits: ApiImageLimits): { name: string; data: Uint8Array } {
  const iu = part.image_url as { url?: unknown } | string | undefined;
  const url = typeof iu === 'string' ? iu : iu?.url;
  if (typeof url !== 'string' || !url) throw badRequest('an image_url content part needs `image_url.url`', `${where}.image_url.url`);
  if (/^https?:/i.test(url)) {
    throw badRequest('Remote image URLs are not fetched: this server reaches nothing outside its network. Send the image inline as a data: URL (data:image/png;base64,…).', `${where}.image_url.url`, 'unsupported_image_url');
  }
  const comma = url.indexOf(',');
  if (comma < 0 || !DATA_URL_HEADER_RE.test(url.slice(0, comma))) throw badRequest('image_url.url must be a base64 data: URL (data:image/png;base64,…).', `${where}.image_url.url`, 'invalid_image_url');
  const name = `image ${n}`;
  // The type is taken from the bytes, never from the header: a PDF labelled image/png is still a PDF.
  const data = Buffer.from(url.slice(comma + 1), 'base64');
  const why = refuseBytes(name, data, limits);
  if (why) throw badRequest(`${why[0]!.toUpperCase()}${why.slice(1)}.`, `${where}.image_url.url`, 'invalid_image');
  return { name, data };
}

function textOf(c: z.infer<typeof content> | null | undefined, at: string, images?: { list: Array<{ name: string; data: Uint8Array }>; limits: ApiImageLimits }): string {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c
    .map((part, j) => {
      if (part.type === 'image_url') {
        // Images of earlier turns are not read again: the turn keeps a mark that one was there.
        if (!images) return '(an image was attached here)';
        if (images.list.length >= images.limits.maxCount) throw badRequest(`At most ${images.limits.maxCount} images per request are read.`, `${at}.content[${j}]`, 'too_many_images');
        images.list.push(imageOf(part, `${at}.content[${j}]`, images.list.length + 1, images.limits));
        return null;
      }
      if (part.type !== 'text') throw badRequest(`only text and image_url content parts are supported (got ${part.type})`, `${at}.content[${j}]`, 'unsupported_content_type');
      const t = (part as { text?: unknown }).text;
      if (typeof t !== 'string') throw badRequest('a text content part needs a string `text`', `${at}.content[${j}].text`);
      return t;
    })
    .filter((t): t is string => t !== null)
    .join('\n');
}

/**
 * Validates and translates a chat completion body. Throws `OpenAiError` 400 naming the parameter.
 * The caller checks `model` against the served id.
 */
export function parseChatRequest(body: unknown, imageLimits: ApiImageLimits = DEFAULT_IMAGE_LIMITS): ApiChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object', null, 'invalid_json');
  const raw = body as Record<string, unknown>;
  for (const u of UNSUPPORTED) if (u.refused(raw[u.param])) throw badRequest(`Unsupported parameter: '${u.param}': ${u.why}.`, u.param, 'unsupported_parameter');
  // zod would only say "Invalid input" of the union: say what a json_schema response format lacks.
  const rf = raw.response_format as { type?: unknown; json_schema?: unknown } | null | undefined;
  if (rf?.type === 'json_schema') {
    const js = rf.json_schema as { schema?: unknown } | null | undefined;
    if (js === null || typeof js !== 'object' || Array.isArray(js)) throw badRequest('response_format {"type":"json_schema"} needs `json_schema` with `name` and `schema`.', 'response_format');
    if (js.schema === null || typeof js.schema !== 'object' || Array.isArray(js.schema)) {
      throw badRequest('Invalid schema for response_format: `json_schema.schema` must be a JSON Schema object ({"type": …}).', 'response_format', 'invalid_json_schema');
    }
  }
  const res = chatCompletionBodySchema.safeParse(body);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const param = toParam(issue.path);
    throw badRequest(`Invalid value for ${param ? `'${param}'` : 'the request'}: ${issue.message}`, param);
  }
  const b = res.data;
  const images: Array<{ name: string; data: Uint8Array }> = [];
  const lastIndex = b.messages.length - 1;
  const messages: ChatTurn[] = b.messages.map((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'tool' || m.role === 'function') throw badRequest(`messages with role '${m.role}' are not supported (no tool calling)`, `${at}.role`, 'unsupported_parameter');
    if (m.role === 'assistant' && (m as { tool_calls?: unknown }).tool_calls != null) throw badRequest('assistant tool_calls are not supported', `${at}.tool_calls`, 'unsupported_parameter');
    const own = i === lastIndex && m.role === 'user' ? { list: images, limits: imageLimits } : undefined;
    return { role: m.role === 'developer' ? 'system' : m.role, text: textOf(m.content, at, own) };
  });
  const last = messages[messages.length - 1]!;
  if (last.role !== 'user') throw badRequest('the last message must have role \'user\' (the question to answer)', `messages[${messages.length - 1}].role`);
  if (!last.text.trim() && images.length === 0) throw badRequest('the last user message is empty', `messages[${messages.length - 1}].content`);
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
    ...(images.length ? { images } : {}),
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
