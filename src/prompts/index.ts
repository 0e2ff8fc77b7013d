export { buildPrompt, DEFAULT_SYSTEM_PROMPT } from './build-prompt.js';
export type { ChatTurn, PromptInput, BuiltPrompt } from './build-prompt.js';
export { historyFromLog } from './history-from-log.js';
export type { LoggedTurn } from './history-from-log.js';
