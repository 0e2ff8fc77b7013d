import { WebClient } from '@slack/web-api';
import { runCheck, type CheckResult, type Config } from '../../src/index.js';

/** A real `auth.test` with the bot token (through SLACK_API_URL when set). */
export function checkSlack(cfg: Config): Promise<CheckResult> {
  return runCheck('slack', async () => {
    if (!cfg.SLACK_BOT_TOKEN) return { status: 'skip', detail: 'SLACK_BOT_TOKEN not set: Slack is off' };
    const client = new WebClient(cfg.SLACK_BOT_TOKEN, { slackApiUrl: cfg.SLACK_API_URL, retryConfig: { retries: 0 } });
    try {
      const r = await client.auth.test();
      const mode = cfg.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP mode (/slack/events)';
      return { status: 'ok', detail: `bot ${r.user} (${r.user_id}) in team ${r.team} (${r.team_id}), ${mode}` };
    } catch (e) {
      return { status: 'fail', detail: `auth.test failed: ${(e as Error).message}`, fix: 'check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed' };
    }
  });
}
