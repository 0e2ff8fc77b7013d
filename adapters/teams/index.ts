export { createTeamsAdapter, TEAMS_MESSAGES_PATH } from './create-teams-adapter.js';
export type { TeamsAdapter } from './create-teams-adapter.js';
export { TeamsReplySink, TEAMS_PART_MAX_CHARS } from './teams-reply-sink.js';
export { answerCard, AI_GENERATED_ENTITY, REASONING_ID, CARD_VERSION } from './answer-card.js';
export { renderDiagnosisCard, DIAGNOSIS_CARD_VERSION, DIAGNOSIS_SUBMIT_KIND } from './render-diagnosis-card.js';
export { teamsConversationKey, teamsActivityToJob, mentionsBot, replyReference } from './activity-to-job.js';
export type { TeamsReplyTarget } from './activity-to-job.js';
export { botFrameworkSettings, createTeamsAuthentication } from './teams-auth.js';
export { withConnectorRetry, AmbiguousPostError } from './connector-retry.js';
export { createTeamsLiveSurface } from './live/create-teams-live-surface.js';
export type { TeamsLiveOptions } from './live/create-teams-live-surface.js';
export { isTeamsLiveState } from './live/teams-live-state.js';
export type { TeamsLiveState } from './live/teams-live-state.js';
export { STOP_SUBMIT_KIND, liveCard } from './live/live-card.js';
// teams-turn is internal to the adapter.
