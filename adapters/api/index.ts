// The OpenAI-compatible API (`/v1`): request/response translation and routes. The backend that
// answers (queue, fairness, knowledge, audit) is passed in as an `ApiChatBackend`.
export { registerApiRoutes } from './api-routes.js';
export type { ApiRoutesOptions } from './api-routes.js';
export { parseChatRequest, splitConversation, chatCompletionBodySchema } from './chat-request.js';
export { buildCompletion, buildChunk, sourcesSuffix, toApiSources, MODEL_ONLY_NOTE, NO_MATCH_NOTE } from './completion.js';
export type { ApiSource } from './completion.js';
export { OpenAiError, ApiRateLimitedError, ApiUnavailableError, toOpenAiError } from './errors.js';
export { StopMatcher } from './stop-matcher.js';
export { apiModelId } from './model-id.js';
export { createLlamaEmbeddingsBackend } from './llama-embeddings-backend.js';
export type { ApiChatBackend, ApiChatEvent, ApiChatRequest, ApiClient, ApiEmbeddingsBackend, ApiKnowledge, ApiUsage } from './types.js';
// chat-completions.ts, embeddings.ts and sse-writer.ts are route internals.
