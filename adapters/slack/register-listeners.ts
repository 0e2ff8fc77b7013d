import type { App } from '@slack/bolt';
import { admitQuestion, type ChatPlatform, type Runtime } from '../../src/index.js';
import { slackEventToQuestion, isIgnorableMessage, type SlackMessageEvent } from './event-to-question.js';

/**
 * `app_mention` in channels and `message` in DMs → one question each, through the core's one
 * admission path. The HTTP receiver runs with `processBeforeResponse: true`: Slack gets its 200
 * only after the question is durably queued (a few ms); when it cannot be queued, the listener
 * throws, the app's error handler rethrows, and Slack gets a 500 and retries.
 */
export function registerSlackListeners(app: App, rt: Runtime, platform: ChatPlatform): void {
  app.event('app_mention', async ({ event, context, body }) => {
    const ev = event as unknown as SlackMessageEvent;
    if (isIgnorableMessage(ev, context.botUserId)) return;
    await admitQuestion(rt, platform, slackEventToQuestion(ev, body.team_id ?? context.teamId ?? 'unknown', context.botUserId, context.botId, enterpriseOf(body, context)), { kind: 'app_mention' });
  });

  app.message(async ({ message, context, body }) => {
    const ev = message as unknown as SlackMessageEvent;
    if (ev.channel_type !== 'im' || isIgnorableMessage(ev, context.botUserId)) return;
    await admitQuestion(rt, platform, slackEventToQuestion(ev, (body as { team_id?: string }).team_id ?? context.teamId ?? 'unknown', context.botUserId, context.botId, enterpriseOf(body, context)), { kind: 'message_im' });
  });
}

/** The Enterprise Grid org of an event (SLACK_ALLOWED_TEAMS may name the org instead of each workspace). */
const enterpriseOf = (body: unknown, context: { enterpriseId?: string }): string | undefined =>
  (body as { enterprise_id?: string | null }).enterprise_id ?? context.enterpriseId ?? undefined;
