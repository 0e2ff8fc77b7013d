export { buildPrompt, DEFAULT_SYSTEM_PROMPT } from './build-prompt.js';
export type { ChatTurn, PromptInput, BuiltPrompt } from './build-prompt.js';
export { historyFromLog } from './history-from-log.js';
export type { LoggedTurn } from './history-from-log.js';
export { buildRagPrompt, SOURCES_INSTRUCTION, NO_MATCH_INSTRUCTION } from './build-rag-prompt.js';
export type { PromptSource, KnowledgeContext, RagPromptInput } from './build-rag-prompt.js';
