export type { Db } from './db.js';
export { createPgDb } from './pg-db.js';
export { createPgliteDb } from './pglite-db.js';
export { openDb } from './open-db.js';
export type { OpenDbOptions } from './open-db.js';
export { migrate, listMigrations, MIGRATIONS_DIR } from './migrate.js';
export {
  startMessage, finishMessage, failMessage, getMessage, getMessageByJobId, beginDelivery, markDelivered, listConversation, recordReplyProgress,
} from './messages.js';
export type { MessageRow, MessageStatus, StartMessageInput, FinishMessageInput } from './messages.js';
export { recordFeedback, listFeedback, upsertVote, upsertCorrection } from './feedback.js';
export type { FeedbackValue, FeedbackTarget } from './feedback.js';
export { recordMessageKnowledge, getMessageKnowledge, getMessagesKnowledge } from './message-knowledge.js';
export type { MessageKnowledge } from './message-knowledge.js';
export { saveMessagePrompt, getMessagePrompt } from './message-prompts.js';
export type { MessagePrompt } from './message-prompts.js';
export { listRatedAnswers, channelsOfScope } from './feedback-export.js';
export type { RatedAnswer, RatedAnswerFilter } from './feedback-export.js';
export { noDatabase } from './no-db.js';
export { safeText, safeJson } from './safe-text.js';
export { adapterForChannel, bindAdapter, unbindAdapter, listAdapterBindings, recordMessageAdapter } from './adapter-bindings.js';
export type { AdapterChannel, AdapterBindingRow } from './adapter-bindings.js';
