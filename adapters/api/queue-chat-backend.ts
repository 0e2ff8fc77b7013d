import { randomUUID } from 'node:crypto';
import {
  admitQuestion, followLiveAnswer, MAX_JSON_SCHEMA_CHARS, JSON_SCHEMA_REFUSED, CONTEXT_LENGTH_EXCEEDED, GRAMMAR_MAX_COUNT, jsonSchemaGrammarProblem, imagesMarkdown, listImages, toImageReading, getMessageByJobId, getMessageKnowledge, IntakeUnavailableError, requestCancel,
  type ChatPlatform, type LiveAnswer, type MessageRow, type Runtime,
} from '../../src/index.js';
import { splitConversation } from './chat-request.js';
import { ApiRateLimitedError, ApiUnavailableError, badRequest, OpenAiError } from './errors.js';
import { API_TENANT } from './api-platform.js';
import type { ApiChatBackend, ApiChatEvent, ApiKnowledge } from './types.js';

/** How long a worker list read from Redis is trusted (it costs a CLIENT LIST). */
const WORKERS_CACHE_MS = 2000;
/** After the job's end event, how long to wait for its message-log row to be finished. */
const ROW_WAIT_MS = 10_000;

/**
 * The production backend of `/v1/chat/completions`: the request becomes a question on the core's
 * one admission path (platform `api`, one channel per client: the same queue, priorities, fair
 * scheduling, per-client rate limit, per-client knowledge scopes, message log and audit as Slack
 * and Teams). The stream is the job's live events (reasoning and answer as the worker produces
 * them); the end — usage, sources, knowledge, and for a non-streamed request the answer itself —
 * comes from the message log, the authority every surface delivers from. A client that goes away
 * (or a stop string) cancels the job, which frees its sequence.
 */
export function createQueueChatBackend(rt: Runtime, platform: ChatPlatform): ApiChatBackend {
  const { cfg, log } = rt;
  let workers = { at: 0, count: 0 };
  const workerCount = async () => {
    if (Date.now() - workers.at > WORKERS_CACHE_MS) workers = { at: Date.now(), count: (await rt.queues.inference.getWorkers()).length };
    return workers.count;
  };

  return {
    async complete(req, client, signal) {
      // response_format json_schema travels with the job: the worker's engine constrains decoding to it.
      if (req.jsonSchema && JSON.stringify(req.jsonSchema).length > MAX_JSON_SCHEMA_CHARS) {
        throw badRequest(`response_format.json_schema.schema is longer than ${MAX_JSON_SCHEMA_CHARS} characters`, 'response_format', 'schema_too_large');
      }
      // The local engine enforces node-llama-cpp's subset of JSON Schema: anything else is refused
      // here, before anything is queued or stored (an ENGINE=openai worker's server decides itself).
      const problem = req.jsonSchema && cfg.ENGINE === 'llama' ? jsonSchemaGrammarProblem(req.jsonSchema) : null;
      if (problem) throw invalidSchema(problem);
      if ((await workerCount().catch(() => 0)) === 0) throw new ApiUnavailableError('No inference worker is ready; retry shortly.', 5);
      const { system, history, question } = splitConversation(req.messages);
      // The completion id the client sees is the event id: `POST /v1/feedback` finds the answer by it.
      const requestId = req.id ?? randomUUID();
      let res;
      try {
        res = await admitQuestion(rt, platform, {
          v: 1,
          key: { platform: 'api', tenant: API_TENANT, channel: client.client, thread: requestId },
          user: { id: client.client },
          text: question,
          eventId: requestId,
          receivedAt: Date.now(),
          reply: req.user ? { end_user: req.user } : {},
          history,
          options: { maxTokens: req.maxTokens, temperature: req.temperature, systemPrompt: system, ...(req.jsonSchema ? { jsonSchema: req.jsonSchema } : {}) },
          // Per-command policies (`npm run policy -- command api --allow-group …`) match the token's groups.
          ...(client.groups?.length ? { access: { groups: client.groups } } : {}),
          images: req.images?.map((i) => ({ name: i.name, source: { kind: 'bytes' as const, data: i.data } })),
        });
      } catch (e) {
        if (e instanceof IntakeUnavailableError) throw new ApiUnavailableError('The queue is not reachable; retry shortly.', 2);
        throw e;
      }
      if (res.kind === 'rejected') {
        if (res.reason === 'rate_limited') throw new ApiRateLimitedError(res.retryAfterS, res.text);
        if (res.reason === 'too_long') throw new OpenAiError(413, res.text, 'invalid_request_error', 'messages', 'request_too_large');
        if (res.reason === 'not_allowed') throw new OpenAiError(403, res.text, 'permission_error', null, 'not_allowed');
        throw new OpenAiError(400, 'The last user message is empty.', 'invalid_request_error', 'messages', 'empty_message');
      }
      log.info({ client: client.client, via: client.via, jobId: res.jobId, stream: req.stream }, 'api request admitted');
      return answerEvents(rt, res.jobId, req.stream, req.maxTokens, signal);
    },
  };

  async function* answerEvents(rt: Runtime, jobId: string, stream: boolean, maxTokens: number | undefined, signal: AbortSignal): AsyncGenerator<ApiChatEvent> {
    const onAbort = () => void requestCancel(rt.redis, cfg.QUEUE_PREFIX, jobId).catch((e: Error) => log.warn({ jobId, err: e.message }, 'could not cancel the job'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const conn = rt.redis.duplicate();
    conn.on('error', (e) => rt.redisError(e, 'api stream'));
    const pending: ApiChatEvent[] = [];
    let wake: (() => void) | undefined;
    let live: LiveAnswer | undefined;
    let failure: unknown;
    const push = (e: ApiChatEvent) => {
      pending.push(e);
      wake?.();
    };
    const stop = new AbortController();
    // A non-streamed answer comes whole from the message log: only the end is waited for.
    const handlers = stream ? { thought: (text: string) => push({ type: 'reasoning', text }), answer: (text: string) => push({ type: 'content', text }) } : {};
    const following = followLiveAnswer(conn, cfg.QUEUE_PREFIX, jobId, handlers, stop.signal)
      .then((r) => (live = r), (e: unknown) => (failure = e))
      .finally(() => {
        stop.abort();
        wake?.();
      });
    try {
      for (;;) {
        while (pending.length) yield pending.shift()!;
        if (stop.signal.aborted) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      await following;
      if (failure) throw failure;
      const row = await finishedRow(rt, jobId);
      // The engine could not make a grammar of the schema (what only llama.cpp's parser finds): the request's fault.
      if (row?.status === 'failed' && row.error?.includes(JSON_SCHEMA_REFUSED)) throw invalidSchema(row.error.slice(row.error.indexOf(JSON_SCHEMA_REFUSED) + JSON_SCHEMA_REFUSED.length).replace(/^:\s*/, ''));
      // The local engine: not even the bare question leaves room for an answer in the model's context (OpenAI's 400).
      if (row?.status === 'failed' && row.error?.includes(CONTEXT_LENGTH_EXCEEDED)) {
        throw new OpenAiError(400, row.error.slice(row.error.indexOf(CONTEXT_LENGTH_EXCEEDED) + CONTEXT_LENGTH_EXCEEDED.length).replace(/^:\s*/, ''), 'invalid_request_error', 'messages', CONTEXT_LENGTH_EXCEEDED);
      }
      if (!row || row.status === 'failed' || live?.status === 'failed') {
        throw new OpenAiError(500, 'Generation failed; please retry.', 'server_error', null, 'generation_failed');
      }
      if (!stream) {
        if (row.reasoning) yield { type: 'reasoning', text: row.reasoning };
        if (row.answer) yield { type: 'content', text: row.answer };
      } else if (row.answer !== null) {
        // The stored answer is the authority: the client gets whatever of it the live events did not carry.
        const sent = live?.answer ?? '';
        if (!row.answer.startsWith(sent)) {
          // A worker failed mid-answer and its retry wrote a different answer: what was streamed cannot be taken back.
          log.warn({ jobId, attempts: live?.attempts, sentChars: sent.length, answerChars: row.answer.length }, 'api stream: a retried answer departed from the text already streamed');
          throw new OpenAiError(500, 'A worker failed mid-answer and its retry wrote a different answer than the one streamed so far; please retry.', 'server_error', null, 'answer_restarted');
        }
        if (row.answer.length > sent.length) yield { type: 'content', text: row.answer.slice(sent.length) };
      }
      const kn = await getMessageKnowledge(rt.db, row.id);
      const images = (await listImages(rt.db, jobId)).map(toImageReading);
      const knowledge: ApiKnowledge = kn.knowledge === 'cited' ? 'cited' : kn.knowledge === 'no_match' ? 'no_match' : 'model_only';
      const completionTokens = row.completionTokens ?? 0;
      const limit = Math.min(maxTokens ?? cfg.LLAMA_MAX_TOKENS, cfg.LLAMA_MAX_TOKENS);
      yield {
        type: 'done',
        finishReason: row.status !== 'stopped' && completionTokens >= limit ? 'length' : 'stop',
        usage: { promptTokens: row.promptTokens ?? 0, completionTokens, reasoningTokens: Number(row.timings.reasoningTokens ?? 0) },
        sources: knowledge === 'cited' ? kn.sources : [],
        knowledge,
        ...(images.length ? { imagesNote: imagesMarkdown(images) } : {}),
      };
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      conn.disconnect();
    }
  }
}

/** A response_format schema the engine cannot enforce: OpenAI's 400 for an invalid schema. */
const invalidSchema = (why: string) =>
  badRequest(`Invalid schema for response_format: ${why}. This server supports type, properties, additionalProperties, required, items, prefixItems, enum, const, oneOf/anyOf, $ref into $defs, min/max lengths, items and properties (up to ${GRAMMAR_MAX_COUNT}) and format date, time, date-time.`, 'response_format', 'invalid_json_schema');

/**
 * The job's message-log row once generation has finished. An answer's end event follows its save;
 * a failed job's end event precedes its row's update by a moment (`handleInferenceFailure`).
 */
async function finishedRow(rt: Runtime, jobId: string): Promise<MessageRow | null> {
  const t0 = Date.now();
  for (;;) {
    const row = await getMessageByJobId(rt.db, jobId);
    if (row && row.status !== 'generating') return row;
    if (Date.now() - t0 > ROW_WAIT_MS) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
}
