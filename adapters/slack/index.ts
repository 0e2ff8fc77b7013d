export { createSlackAdapter, SLACK_EVENTS_PATH } from './create-slack-adapter.js';
export type { SlackAdapter } from './create-slack-adapter.js';
export { SlackReplySink, SLACK_PART_MAX_CHARS } from './slack-reply-sink.js';
export { slackEventToJob, isIgnorableMessage } from './event-to-job.js';
export type { SlackMessageEvent, SlackReplyTarget } from './event-to-job.js';
export { fetchThreadHistory } from './fetch-thread-history.js';
export { diagnosisBlocks, DIAG_ACTIONS } from './diagnosis-blocks.js';
// register-* and bolt-logger are internal to the adapter.
