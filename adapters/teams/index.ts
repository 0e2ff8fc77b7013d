export { createTeamsAdapter, TEAMS_MESSAGES_PATH } from './create-teams-adapter.js';
export type { TeamsAdapter } from './create-teams-adapter.js';
export { TeamsReplySink, TEAMS_PART_MAX_CHARS } from './teams-reply-sink.js';
export { answerCard, AI_GENERATED_ENTITY, REASONING_ID, CARD_VERSION } from './answer-card.js';
export { diagnosisCard } from './diagnosis-card.js';
export { teamsConversationKey, teamsActivityToJob, mentionsBot, replyReference } from './activity-to-job.js';
export type { TeamsReplyTarget } from './activity-to-job.js';
export { botFrameworkSettings, createTeamsAuthentication } from './teams-auth.js';
export { withConnectorRetry } from './connector-retry.js';
// teams-turn is internal to the adapter.
