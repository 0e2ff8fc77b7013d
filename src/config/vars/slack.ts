import { envVar } from './define.js';
import { optionalString, url } from './shared-schemas.js';

export const slackVars = {
  SLACK_SIGNING_SECRET: envVar(optionalString(), 'Slack app signing secret (HTTP mode). Slack is enabled when SLACK_BOT_TOKEN is set.', true),
  SLACK_BOT_TOKEN: envVar(optionalString(), 'Bot token (xoxb-…).', true),
  SLACK_APP_TOKEN: envVar(optionalString(), 'App-level token (xapp-…). When set: Socket Mode, no public URL needed.', true),
  SLACK_API_URL: envVar(url(), 'Web API base URL override (proxies, tests), e.g. https://slack.example/api/.'),
};
