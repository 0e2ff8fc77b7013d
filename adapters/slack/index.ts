export { createSlackAdapter, SLACK_EVENTS_PATH } from './create-slack-adapter.js';
export type { SlackAdapter } from './create-slack-adapter.js';
export { SlackReplySink, SLACK_PART_MAX_CHARS } from './slack-reply-sink.js';
export { slackEventToQuestion, isIgnorableMessage } from './event-to-question.js';
export type { SlackMessageEvent } from './event-to-question.js';
export { createSlackPlatform, SLACK_EMPTY_QUESTION } from './slack-platform.js';
export type { SlackReplyTarget } from './slack-platform.js';
export { fetchThreadHistory } from './fetch-thread-history.js';
export { diagnosisBlocks, diagnosisRootBlocks, slackOncallMention, DIAGNOSIS_ACTIONS } from './diagnosis/diagnosis-blocks.js';
export { DIAGNOSE_ACK_BUDGET_MS } from './diagnosis/register-diagnose-command.js';
// register-listeners and bolt-logger are internal to the adapter.
export { slackClientOptions } from './slack-client-options.js';
export { toCoreError, withCoreErrors } from './slack-errors.js';
