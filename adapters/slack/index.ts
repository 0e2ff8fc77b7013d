export { createSlackAdapter, SLACK_EVENTS_PATH } from './create-slack-adapter.js';
export type { SlackAdapter } from './create-slack-adapter.js';
export { SlackReplySink, SLACK_PART_MAX_CHARS } from './slack-reply-sink.js';
export { slackEventToJob, isIgnorableMessage } from './event-to-job.js';
export type { SlackMessageEvent, SlackReplyTarget } from './event-to-job.js';
export { fetchThreadHistory } from './fetch-thread-history.js';
export { diagnosisBlocks, diagnosisRootBlocks, slackOncallMention, DIAGNOSIS_ACTIONS } from './diagnosis/diagnosis-blocks.js';
export { DIAGNOSE_ACK_BUDGET_MS } from './diagnosis/register-diagnose-command.js';
// register-listeners and bolt-logger are internal to the adapter.
export { slackClientOptions } from './slack-client-options.js';
export { toCoreError, withCoreErrors } from './slack-errors.js';
