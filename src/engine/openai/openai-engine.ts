import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, RateLimitError } from 'openai';
import type { ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import CircuitBreaker from 'opossum';
import { EngineRateLimitError, EngineRequestError, EngineUnavailableError, R1Error } from '../../errors.js';
import type { Engine, EngineHealth, EngineState, ModelIdentity } from '../engine.js';
import type { GenerateRequest, GenerateResult, GenerationChunk } from '../types.js';
import { ThinkTagStream } from './think-tag-stream.js';
import type { EngineErrorKind, OpenAiEngineOptions } from './types.js';

/** When a 429 carries no usable `Retry-After`: wait this long. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

/** The stream went quiet: no chunk within ENGINE_TIMEOUT_MS of the request (first byte) or ENGINE_STALL_TIMEOUT_MS of the last chunk. */
class StreamStallError extends Error {}

/** The reasoning field of a streamed delta: DeepSeek's API, SGLang and vLLM < 0.10 send `reasoning_content`, newer vLLM `reasoning`. */
type R1Delta = { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };

/** Whether an error says the engine is unwell (counts towards opening the breaker), rather than that the request was wrong. */
export function isEngineFailure(e: unknown): boolean {
  if (e instanceof EngineRequestError || e instanceof EngineRateLimitError) return false;
  if (e instanceof APIConnectionError || e instanceof StreamStallError) return true; // includes timeouts
  if (e instanceof APIError) return e.status === undefined || e.status === 408 || e.status >= 500; // undefined: an error event mid-stream
  return true; // a dropped connection mid-stream surfaces as a fetch TypeError ("terminated")
}

/** `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMsOf(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const h = headers?.get('retry-after');
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const toMessages = (req: GenerateRequest): ChatCompletionMessageParam[] => [
  ...req.context.map((t) => ({ role: t.role, content: t.text }) as ChatCompletionMessageParam),
  { role: 'user', content: req.question },
];

/**
 * The remote engine (`ENGINE=openai`): drives an OpenAI-compatible inference server (vLLM, SGLang,
 * TensorRT-LLM's `trtllm-serve`, llama-server, this project's `/v1`) with the official `openai`
 * client. Requests stream (SSE); R1's reasoning is read from `reasoning_content`/`reasoning`
 * deltas or from `<think>` tags in `content`. Aborting `signal` aborts the HTTP request, which
 * makes the server free the sequence.
 *
 * Failures: the client retries connection errors, 408, 429 and 5xx with backoff (ENGINE_RETRIES);
 * what still fails goes through an opossum circuit breaker. While it is open, `health.state` is
 * `down`, calls fail fast with `EngineUnavailableError.retryAfterMs` (the job waits in the queue,
 * no attempt spent), and every ENGINE_BREAKER_RESET_MS one `/v1/models` probe decides whether it
 * closes again.
 */
export class OpenAiEngine implements Engine {
  readonly kind = 'openai' as const;
  readonly loadMs = 0;
  readonly health: EngineHealth;
  private readonly client: OpenAI;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly listeners = new Set<(s: EngineState) => void>();
  /** Peak concurrency seen by each request in flight (for `batchPeak`). */
  private readonly peaks = new Set<{ n: number }>();
  private active = 0;
  private lastError: string | undefined;
  private model?: Promise<ModelIdentity>;
  /** The ids at `/v1/models` (base model and LoRA adapters) and when they were read. */
  private served?: { ids: Set<string>; at: number };
  private listing?: Promise<Set<string>>;
  /** Adapters already warned about (not served): answered by the base model. */
  private readonly unservedAdapters = new Set<string>();
  private closing?: Promise<void>;

  constructor(private readonly o: OpenAiEngineOptions) {
    if (!Number.isInteger(o.maxConcurrency) || o.maxConcurrency < 1) throw new RangeError(`maxConcurrency (ENGINE_MAX_CONCURRENCY) must be a positive integer, got ${o.maxConcurrency}`);
    this.client = new OpenAI({ baseURL: o.baseUrl, apiKey: o.apiKey ?? 'unused', timeout: o.timeoutMs, maxRetries: o.retries ?? 2 });
    this.breaker = new CircuitBreaker((op: () => Promise<unknown>) => op(), {
      timeout: false, // ENGINE_TIMEOUT_MS is the client's; a long answer is not a failure
      errorThresholdPercentage: o.breaker.errorPercent,
      volumeThreshold: o.breaker.minRequests,
      rollingCountTimeout: o.breaker.windowMs,
      resetTimeout: o.breaker.resetMs,
      // Filtered errors (4xx: the request's fault) do not count against the engine.
      errorFilter: (e: unknown) => !isEngineFailure(e),
    });
    const notify = () => {
      for (const fn of this.listeners) fn(this.health.state);
    };
    this.breaker.on('open', () => {
      o.log.warn({ engine: o.baseUrl, err: this.lastError, probeInMs: o.breaker.resetMs }, 'engine down: circuit open, jobs wait in the queue');
      notify();
    });
    this.breaker.on('halfOpen', () => {
      notify();
      // The one trial call half-open allows: a cheap request, so no job is spent on it.
      void this.breaker.fire(() => this.client.models.list()).catch((e) => (this.lastError = (e as Error).message));
    });
    this.breaker.on('close', () => {
      o.log.info({ engine: o.baseUrl }, 'engine up: circuit closed');
      this.lastError = undefined;
      notify();
    });
    const breaker = this.breaker;
    const self = this;
    this.health = {
      get state(): EngineState {
        return breaker.opened ? 'down' : breaker.halfOpen ? 'probing' : 'up';
      },
      get reason() {
        return breaker.closed ? undefined : self.lastError;
      },
      onChange: (fn) => {
        this.listeners.add(fn);
        return () => this.listeners.delete(fn);
      },
    };
  }

  get concurrency(): number {
    return this.o.maxConcurrency;
  }

  get inFlight(): number {
    return this.active;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** The served model (ENGINE_MODEL checked against `/v1/models`, else its first id); retried after a failure. */
  get modelIdentity(): Promise<ModelIdentity> {
    if (!this.model) {
      const p = this.resolveModel();
      this.model = p;
      p.catch(() => {
        if (this.model === p) this.model = undefined;
      });
    }
    return this.model;
  }

  /** Reads `/v1/models` (one request at a time); remembers the ids for adapter look-ups. */
  private listModels(): Promise<Set<string>> {
    this.listing ??= (async () => {
      try {
        const page = (await this.breaker.fire(() => this.client.models.list())) as { data: Array<{ id: string }> };
        const ids = new Set(page.data.map((m) => m.id));
        this.served = { ids, at: Date.now() };
        return ids;
      } catch (e) {
        throw this.translate(e, 'GET /models');
      } finally {
        this.listing = undefined;
      }
    })();
    return this.listing;
  }

  /**
   * The model id to request for a channel's LoRA adapter: ENGINE_LORA_MODELS' mapping, else the
   * adapter's own name (vLLM `--lora-modules name=path`), if the engine lists it at `/v1/models`
   * (read again when it is older than modelsTtlMs, so adapters loaded at runtime are found).
   * Not served: undefined, and the base model answers (as the local engine does without the file).
   */
  private async adapterModel(name: string): Promise<string | undefined> {
    const id = this.o.loraModels?.[name] ?? name;
    let ids = this.served?.ids;
    if (!ids?.has(id) && (!this.served || Date.now() - this.served.at > (this.o.modelsTtlMs ?? 30_000))) ids = await this.listModels();
    if (ids?.has(id)) {
      this.unservedAdapters.delete(name);
      return id;
    }
    if (!this.unservedAdapters.has(name)) {
      this.unservedAdapters.add(name);
      this.o.log.warn({ adapter: name, modelId: id, engine: this.o.baseUrl }, 'a job names a LoRA adapter the engine does not serve (not at /v1/models; vLLM --lora-modules, ENGINE_LORA_MODELS): answering with the base model');
    }
    return undefined;
  }

  private async resolveModel(): Promise<ModelIdentity> {
    const ids = [...(await this.listModels())];
    const id = this.o.model ?? ids[0];
    if (!id) throw new EngineRequestError(this.o.baseUrl, 404, `the engine at ${this.o.baseUrl} lists no model at /models`);
    if (this.o.model && !ids.includes(this.o.model)) {
      throw new EngineRequestError(this.o.baseUrl, 404, `ENGINE_MODEL '${this.o.model}' is not served by ${this.o.baseUrl} (its /models lists: ${ids.join(', ') || 'nothing'})`);
    }
    return { engine: 'openai', id, sha256: null };
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    if (this.closed) throw new Error('OpenAiEngine is closed');
    if (req.gbnf) throw new EngineRequestError(this.o.baseUrl, 400, 'ENGINE=openai takes JSON schemas (response_format), not GBNF grammars');
    const t0 = performance.now();
    const { id: base } = await this.modelIdentity;
    const loraModel = req.adapter ? await this.adapterModel(req.adapter) : undefined;
    const model = loraModel ?? base;
    this.active += 1;
    const peak = { n: 0 };
    this.peaks.add(peak);
    for (const p of this.peaks) p.n = Math.max(p.n, this.active);
    try {
      const res = (await this.breaker.fire(() => this.stream(req, model, t0, peak))) as GenerateResult;
      return { ...res, adapter: loraModel ? { name: req.adapter!, sha256: null, modelId: loraModel } : null };
    } catch (e) {
      throw this.translate(e, 'POST /chat/completions');
    } finally {
      this.active -= 1;
      this.peaks.delete(peak);
    }
  }

  private async stream(req: GenerateRequest, model: string, t0: number, peak: { n: number }): Promise<GenerateResult> {
    // Our own controller: the caller's signal (Stop, shutdown) and the reasoning budget both abort it.
    const ac = new AbortController();
    const onAbort = () => ac.abort(req.signal?.reason);
    if (req.signal?.aborted) ac.abort(req.signal.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const tags = new ThinkTagStream();
    let answer = '';
    let reasoning = '';
    let firstAt: number | null = null;
    let thoughtDeltas = 0;
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    const emit = (chunks: GenerationChunk[]) => {
      for (const c of chunks) {
        if (c.kind === 'thought') reasoning += c.text;
        else answer += c.text;
        req.onChunk?.(c);
      }
    };
    // Stall watch: until the first chunk the request may take ENGINE_TIMEOUT_MS (prefill under
    // load), then every chunk must follow the last within ENGINE_STALL_TIMEOUT_MS. A stalled stream
    // is cut and fails the attempt like a dropped connection. One timer, re-armed only when it
    // fires: a chunk just notes its time (no timer churn per token).
    const now = this.o.now ?? (() => performance.now());
    const stallMs = this.o.stallTimeoutMs ?? this.o.timeoutMs;
    let lastAt = now();
    let chunks = 0;
    let stalled: StreamStallError | undefined;
    let timer: NodeJS.Timeout | undefined;
    const watch = () => {
      const limit = chunks === 0 ? this.o.timeoutMs : stallMs;
      const idle = now() - lastAt;
      if (idle < limit) {
        // At least every stallMs: chunks may start (and stop) while the first-byte limit runs.
        timer = setTimeout(watch, Math.min(limit - idle, stallMs));
        return;
      }
      stalled = new StreamStallError(chunks === 0
        ? `no response within ENGINE_TIMEOUT_MS (${this.o.timeoutMs} ms)`
        : `the stream stalled: no chunk for ENGINE_STALL_TIMEOUT_MS (${stallMs} ms) after ${chunks} chunks`);
      ac.abort(stalled);
    };
    timer = setTimeout(watch, Math.min(this.o.timeoutMs, stallMs));
    const body: ChatCompletionCreateParamsStreaming = {
      model,
      messages: toMessages(req),
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      // Guided decoding on vLLM/SGLang/TensorRT-LLM (xgrammar/outlines); the answer is still validated by the caller.
      ...(req.jsonSchema ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: req.jsonSchema as Record<string, unknown>, strict: true } } } : {}),
    };
    try {
      const stream = await this.client.chat.completions.create(body, { signal: ac.signal });
      for await (const chunk of stream) {
        lastAt = now();
        chunks += 1;
        if (chunk.usage) usage = chunk.usage;
        const d = chunk.choices[0]?.delta as R1Delta | undefined;
        if (!d) continue;
        const thought = d.reasoning_content ?? d.reasoning;
        if (!thought && !d.content) continue;
        firstAt ??= performance.now();
        deltas += 1;
        const before = reasoning.length;
        if (thought) emit([{ kind: 'thought', text: thought }]);
        if (d.content) emit(tags.push(d.content));
        if (reasoning.length > before) thoughtDeltas += 1;
        // The budget in deltas (≈ tokens: servers stream one token per delta unless told to batch).
        if (req.thoughtBudget !== undefined && thoughtDeltas > req.thoughtBudget && !answer.trim()) ac.abort(new Error('reasoning budget spent'));
      }
      emit(tags.flush());
    } catch (e) {
      // An abort (Stop, shutdown, budget) ends the stream with what arrived; a stall or anything else is a failure.
      if (stalled) throw stalled;
      if (!ac.signal.aborted) throw e;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
    // The client ends an aborted stream quietly: a stall is known by its own error.
    if (stalled) throw stalled;
    // A template that opened `<think>` in the prompt leaves only `</think>` in the output.
    const close = answer.lastIndexOf('</think>');
    if (close >= 0) {
      reasoning = `${reasoning}${answer.slice(0, close).replace(/<\/?think>/g, '')}`;
      answer = answer.slice(close + '</think>'.length);
    }
    const tEnd = performance.now();
    return {
      answer: answer.trim(),
      reasoning: reasoning.trim(),
      stopped: req.signal?.aborted === true,
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? deltas,
      reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? thoughtDeltas,
      batchPeak: peak.n,
      timings: { sequenceWaitMs: 0, firstTokenMs: firstAt === null ? null : firstAt - t0, totalMs: tEnd - t0 },
    };
  }

  /** Maps a client or breaker error to ours, counts it, and remembers it for `/readyz`. */
  private translate(e: unknown, op: string): Error {
    if (e instanceof R1Error) return e;
    const url = this.o.baseUrl;
    const kind: EngineErrorKind = e instanceof RateLimitError ? 'rate_limited'
      : e instanceof APIConnectionTimeoutError || e instanceof StreamStallError ? 'timeout'
        : e instanceof APIConnectionError ? 'connection'
          : e instanceof APIError ? (e.status === undefined ? 'stream' : e.status >= 500 || e.status === 408 ? 'server' : 'refused')
            : (e as { code?: string }).code === 'EOPENBREAKER' ? 'connection' : 'stream';
    const message = (e as Error).message;
    if ((e as { code?: string }).code === 'EOPENBREAKER') {
      return new EngineUnavailableError(url, `the engine at ${url} is down (circuit open: ${this.lastError ?? 'recent failures'}); retrying after the next probe`, this.o.breaker.resetMs, { cause: e });
    }
    this.o.onError?.(kind);
    if (kind === 'rate_limited') return new EngineRateLimitError(url, retryAfterMsOf((e as RateLimitError).headers) ?? DEFAULT_RATE_LIMIT_WAIT_MS, { cause: e });
    if (kind === 'refused') return new EngineRequestError(url, (e as APIError).status ?? 400, `the engine at ${url} refused ${op}: ${message}`, { cause: e });
    this.lastError = `${kind}: ${message}`;
    const why = e instanceof APIConnectionTimeoutError ? `no response within ENGINE_TIMEOUT_MS (${this.o.timeoutMs} ms)` : message;
    return new EngineUnavailableError(url, `${op} to the engine at ${url} failed (${kind}): ${why}`, this.breaker.opened ? this.o.breaker.resetMs : undefined, { cause: e });
  }

  /** Stops the breaker's timers. In-flight requests end with their callers' signals. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.breaker.shutdown();
      this.listeners.clear();
    })();
    return this.closing;
  }
}
