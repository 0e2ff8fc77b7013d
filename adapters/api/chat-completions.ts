import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../src/index.js';
import { parseChatRequest, type ApiImageLimits } from './chat-request.js';
import { buildChunk, buildCompletion, completionId, sourcesSuffix } from './completion.js';
import { notFound, OpenAiError, toOpenAiError } from './errors.js';
import { SseWriter } from '../shared/sse-writer.js';
import { StopMatcher } from './stop-matcher.js';
import type { ApiChatBackend, ApiChatEvent, ApiClient, ApiKnowledge, ApiUsage } from './types.js';
import type { SourceRef } from '../../src/index.js';

export interface ChatCompletionsOptions {
  chat: ApiChatBackend;
  modelId: string;
  /** Longest question (last user message) in characters; longer → 413. */
  questionMaxChars: number;
  /** Append the sources list (or model-only / nothing-found note) to `content`. */
  sourcesInContent: boolean;
  requiredScope: string;
  log: Logger;
  /** `image_url` parts: IMAGE_MAX_BYTES, IMAGE_MAX_COUNT. */
  imageLimits?: ApiImageLimits;
}

type Done = Extract<ApiChatEvent, { type: 'done' }>;
const NO_USAGE: ApiUsage = { promptTokens: 0, completionTokens: 0, reasoningTokens: 0 };

/**
 * Aborts when the client disconnects before the response is complete (`close` on the response
 * fires either way; only an unfinished one means the client went away).
 */
function abortOnDisconnect(reply: FastifyReply, ac: AbortController): void {
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected'));
  });
}

/** Reads the backend's events, applying stop strings; calls `emit` for text to send. */
async function pump(
  events: AsyncIterable<ApiChatEvent>,
  stops: StopMatcher,
  ac: AbortController,
  emit: (delta: { reasoning_content?: string; content?: string }) => void,
): Promise<{ finishReason: 'stop' | 'length'; usage: ApiUsage; sources: SourceRef[]; knowledge: ApiKnowledge; imagesNote?: string }> {
  let done: Done | undefined;
  try {
    for await (const ev of events) {
      if (ev.type === 'done') done = ev;
      else if (ev.type === 'reasoning') {
        if (!stops.stopped && ev.text) emit({ reasoning_content: ev.text });
      } else if (ev.type === 'content') {
        const out = stops.push(ev.text);
        if (out) emit({ content: out });
        // A stop string ends the answer: let the backend free its sequence now.
        if (stops.stopped && !ac.signal.aborted) ac.abort(new Error('stop sequence'));
      } else ev satisfies never;
    }
  } catch (e) {
    // After our own abort (stop string, client gone) a backend may throw instead of ending.
    if (!ac.signal.aborted) throw e;
  }
  const rest = stops.flush();
  if (rest) emit({ content: rest });
  if (stops.stopped) return { finishReason: 'stop', usage: done?.usage ?? NO_USAGE, sources: done?.sources ?? [], knowledge: done?.knowledge ?? 'model_only', imagesNote: done?.imagesNote };
  if (!done) throw new Error('the chat backend ended without a done event');
  return done;
}

/** `POST /v1/chat/completions`, streaming (SSE) or not. */
export async function handleChatCompletion(o: ChatCompletionsOptions, client: ApiClient, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const chatReq = parseChatRequest(req.body, o.imageLimits);
  if (chatReq.model !== o.modelId) throw notFound(`The model '${chatReq.model}' does not exist; this server serves '${o.modelId}' (see GET /v1/models).`, 'model_not_found', 'model');
  const question = chatReq.messages[chatReq.messages.length - 1]!.text;
  if (question.length > o.questionMaxChars) {
    throw new OpenAiError(413, `The last user message is ${question.length} characters; the limit is ${o.questionMaxChars}.`, 'invalid_request_error', 'messages', 'request_too_large');
  }
  const ac = new AbortController();
  abortOnDisconnect(reply, ac);
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const stops = new StopMatcher(chatReq.stop);
  // Admission errors (429, 503, …) throw here, before anything is sent.
  const events = await o.chat.complete({ ...chatReq, id }, client, ac.signal);

  if (!chatReq.stream) {
    let content = '';
    let reasoning = '';
    const r = await pump(events, stops, ac, (d) => {
      if (d.content) content += d.content;
      if (d.reasoning_content) reasoning += d.reasoning_content;
    });
    // What was read from the images goes with the answer, as on the chat surfaces, so the client can check it.
    // A JSON answer (response_format json_schema) stays exactly the JSON: sources only in `sources`.
    if (!chatReq.jsonSchema) {
      if (r.imagesNote) content += `\n\n${r.imagesNote}`;
      if (o.sourcesInContent) content += sourcesSuffix(r.sources, r.knowledge);
    }
    return buildCompletion({ id, created, model: o.modelId, content, reasoning, finishReason: r.finishReason, usage: r.usage, sources: r.sources });
  }

  reply.hijack();
  const sse = new SseWriter(reply.raw);
  sse.open();
  const base = { id, created, model: o.modelId };
  sse.send(buildChunk({ ...base, delta: { role: 'assistant', content: '' } }));
  try {
    const r = await pump(events, stops, ac, (delta) => sse.send(buildChunk({ ...base, delta })));
    const suffix = chatReq.jsonSchema ? '' : (r.imagesNote ? `\n\n${r.imagesNote}` : '') + (o.sourcesInContent ? sourcesSuffix(r.sources, r.knowledge) : '');
    if (suffix) sse.send(buildChunk({ ...base, delta: { content: suffix } }));
    sse.send(buildChunk({ ...base, delta: {}, finishReason: r.finishReason, usage: r.usage, sources: r.sources }));
    sse.done();
  } catch (e) {
    // Headers are gone: the error travels as an event (the openai SDK raises it as an APIError).
    const err = toOpenAiError(e, o.requiredScope);
    if (err.status >= 500) o.log.error({ err: e, client: client.client }, 'chat completion failed mid-stream');
    sse.send(err.toBody());
    sse.end();
  }
  return reply;
}
