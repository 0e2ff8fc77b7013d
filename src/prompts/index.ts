export { buildPrompt, DEFAULT_SYSTEM_PROMPT } from './build-prompt.js';
export type { ChatTurn, PromptInput, BuiltPrompt } from './build-prompt.js';
export { historyFromLog } from './history-from-log.js';
export type { LoggedTurn } from './history-from-log.js';
export { buildRagPrompt, SOURCES_INSTRUCTION, NO_MATCH_INSTRUCTION } from './build-rag-prompt.js';
export type { PromptSource, KnowledgeContext, RagPromptInput } from './build-rag-prompt.js';
export { buildDiagnosisPrompt, buildDiagnosisDraftPrompt, buildDiagnosisJsonFollowUp, DIAGNOSIS_SYSTEM_PROMPT, DIAGNOSIS_JSON_INSTRUCTION } from './build-diagnosis-prompt.js';
export type { DiagnosisPromptInput } from './build-diagnosis-prompt.js';
