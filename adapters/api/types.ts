import type { AuthenticatedClient, ChatTurn, FeedbackResult, SourceRef } from '../../src/index.js';

/** The authenticated caller of an API request. */
export type ApiClient = AuthenticatedClient;

/** A chat completion request after validation: what a backend needs, in our terms. */
export interface ApiChatRequest {
  /** The served model id the client asked for (already checked against `/v1/models`). */
  model: string;
  /**
   * The conversation, oldest first, text only: `system` (and OpenAI's `developer`) turns, then
   * alternating-or-not `user`/`assistant` turns; the last one is always `user` (the question).
   * Use {@link splitConversation} to get system prompt, history and question.
   */
  messages: ChatTurn[];
  /** `max_completion_tokens` or `max_tokens` (reasoning included); unset = the server's limit. Clamp to it. */
  maxTokens?: number;
  /** 0–2; unset = the server's default. */
  temperature?: number;
  /** Up to four stop strings. The translator enforces them on `content` itself (and aborts the signal). */
  stop: string[];
  /** OpenAI's end-user id, for audit only. */
  user?: string;
  stream: boolean;
  /**
   * `response_format: {type: 'json_schema'}`: the answer must be JSON matching this schema (the
   * engine's grammar-constrained decoding). A backend that cannot constrain refuses with a 400.
   */
  jsonSchema?: Record<string, unknown>;
  /**
   * Images of the last user message (`image_url` parts with `data:` URLs), decoded and checked
   * (size, type from the bytes). Images of earlier messages are not read again.
   */
  images?: Array<{ name: string; data: Uint8Array }>;
  /**
   * The completion id the client is given (`chatcmpl-…`). The queue backend admits the question
   * under it, so `POST /v1/feedback` finds the answer by it. Unset: the backend picks one.
   */
  id?: string;
}

/** Whether an answer cites documents, had no scope (model-only), or found nothing relevant. */
export type ApiKnowledge = 'cited' | 'model_only' | 'no_match';

export interface ApiUsage {
  promptTokens: number;
  /** Everything generated, reasoning included. */
  completionTokens: number;
  /** Of `completionTokens`, R1's reasoning. */
  reasoningTokens: number;
}

/** What a backend yields while it answers: reasoning and answer text as they come, then one `done`. */
export type ApiChatEvent =
  | { type: 'reasoning'; text: string }
  | { type: 'content'; text: string }
  | {
      type: 'done';
      /** `length` when the token limit cut the answer. */
      finishReason: 'stop' | 'length';
      usage: ApiUsage;
      /** Numbered sources (`[n]` in the text ↔ `n`); empty unless `knowledge` is `cited`. */
      sources: SourceRef[];
      knowledge: ApiKnowledge;
      /** What was read from the request's images (Markdown, as the chat surfaces show it); empty when none. */
      imagesNote?: string;
    };

/**
 * What the API needs from the rest of the system to answer. The production backend puts the
 * request on the one admission path (queue, fairness, rate limits, knowledge, audit); tests drive
 * an engine directly.
 */
export interface ApiChatBackend {
  /**
   * Admits the request and returns its events. Admission refusals are thrown from this promise,
   * before anything is sent, so they become HTTP statuses: `ApiRateLimitedError` (429),
   * `ApiUnavailableError` (503), `OpenAiError` (as given). Once it resolves the stream starts (the
   * client sees its first byte while the job may still be queued).
   *
   * `signal` aborts when the client disconnects or a stop string is hit: stop generating, free the
   * sequence, and still end with a `done` event carrying the usage so far (or throw).
   */
  complete(req: ApiChatRequest, client: ApiClient, signal: AbortSignal): Promise<AsyncIterable<ApiChatEvent>>;
}

/** `POST /v1/embeddings`, when an embedding model is configured. */
export interface ApiEmbeddingsBackend {
  /** Model id shown and accepted (e.g. the embedding file name without `.gguf`). */
  readonly model: string;
  /** One vector per input, in order, and the tokens the inputs took. */
  embed(inputs: string[], client: ApiClient, signal: AbortSignal): Promise<{ vectors: ArrayLike<number>[]; promptTokens: number }>;
}

/** A vote and/or correction from `POST /v1/feedback`, in our terms. */
export interface ApiFeedback {
  completionId: string;
  value?: 'up' | 'down';
  /** "What would have been right": counts as a 👎. */
  correction?: string;
  /** OpenAI's end-user id, when the client votes for its users. */
  user?: string;
}

/** Where `POST /v1/feedback` records votes (production: the message log, via the core). */
export interface ApiFeedbackBackend {
  record(f: ApiFeedback, client: ApiClient): Promise<FeedbackResult>;
}
