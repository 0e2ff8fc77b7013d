// The OpenAI-compatible API (`/v1`): request/response translation and routes. The backend that
// answers (queue, fairness, knowledge, audit) is passed in as an `ApiChatBackend`.
//
// Wiring (adapters role, before `http.listen`):
//   const auth = bearerAuthenticatorFromConfig(cfg, rt.db);          // undefined = API off → /v1 is 404
//   if (auth) await registerApiRoutes(http.app, {
//     auth, chat: <the queue-backed ApiChatBackend>, modelId: apiModelId(cfg), questionMaxChars: cfg.QUESTION_MAX_CHARS,
//     embeddings: embedder && createLlamaEmbeddingsBackend(embedder, cfg.EMBEDDING_MODEL_PATH!), log: rt.log,
//   });
export { registerApiRoutes } from './api-routes.js';
export type { ApiRoutesOptions } from './api-routes.js';
export { parseChatRequest, splitConversation, chatCompletionBodySchema } from './chat-request.js';
export { buildCompletion, buildChunk, sourcesSuffix, toApiSources, MODEL_ONLY_NOTE, NO_MATCH_NOTE } from './completion.js';
export type { ApiSource } from './completion.js';
export { OpenAiError, ApiRateLimitedError, ApiUnavailableError, toOpenAiError } from './errors.js';
export { StopMatcher } from './stop-matcher.js';
export { apiModelId } from './model-id.js';
export { createLlamaEmbeddingsBackend } from './llama-embeddings-backend.js';
export { createApiPlatform, API_TENANT } from './api-platform.js';
export { createQueueChatBackend } from './queue-chat-backend.js';
export { createApiFeedbackBackend, parseFeedbackBody, feedbackBodySchema } from './feedback.js';
export type { ApiChatBackend, ApiChatEvent, ApiChatRequest, ApiClient, ApiEmbeddingsBackend, ApiFeedback, ApiFeedbackBackend, ApiKnowledge, ApiUsage } from './types.js';
// chat-completions.ts and embeddings.ts are route internals (the SSE writer is in adapters/shared).
