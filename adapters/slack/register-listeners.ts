import type { App } from '@slack/bolt';
import { admitQuestion, enqueueForget, type ChatPlatform, type Runtime } from '../../src/index.js';
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

  // FORGET_ON_DELETE: a deactivated (deleted) Slack account's data is erased, as `npm run forget` does.
  // Queued durably before Slack gets its 200 (the erasure itself runs in the maintenance worker).
  if (rt.cfg.FORGET_ON_DELETE) {
    app.event('user_change', async ({ event, body, context }) => {
      const user = (event as unknown as { user?: { id?: string; team_id?: string; deleted?: boolean } }).user;
      if (!user?.id || user.deleted !== true) return;
      rt.metrics.eventsReceived.inc({ platform: 'slack', kind: 'user_deleted' });
      const tenant = user.team_id ?? (body as { team_id?: string }).team_id ?? context.teamId ?? 'unknown';
      await enqueueForget(rt.queues.maintenance, { v: 1, platform: 'slack', tenant, userId: user.id, reason: 'slack user_change deleted' });
      rt.log.info({ tenant }, 'erasure queued for a deleted Slack user');
    });
  }
}

/** The Enterprise Grid org of an event (SLACK_ALLOWED_TEAMS may name the org instead of each workspace). */
const enterpriseOf = (body: unknown, context: { enterpriseId?: string }): string | undefined =>
  (body as { enterprise_id?: string | null }).enterprise_id ?? context.enterpriseId ?? undefined;
