import type { QuestionInput } from '../../src/index.js';
import { stripSlackMentions } from '../shared/strip-mention.js';
import type { SlackReplyTarget } from './slack-platform.js';

/** The fields of a Slack `app_mention` or `message` event the bot uses. */
export interface SlackMessageEvent {
  type: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  team?: string;
}

/** The platform event id of a Slack message: the message itself (channel + ts). */
export const slackEventId = (channel: string, ts: string) => `${channel}/${ts}`;

/**
 * Turns a Slack message event into a question. The thread root is the event's `thread_ts` if
 * present, else its `ts`. The idempotency key is the message itself (channel + ts), so the
 * `app_mention` and `message.im` events for one message, and Slack's retries, are one job.
 */
export function slackEventToQuestion(ev: SlackMessageEvent, teamId: string, botUserId?: string, botId?: string, enterpriseId?: string): QuestionInput {
  const thread = ev.thread_ts ?? ev.ts;
  const reply: SlackReplyTarget = { channel: ev.channel, thread_ts: thread, message_ts: ev.ts, bot_user_id: botUserId, bot_id: botId };
  return {
    v: 1,
    key: { platform: 'slack', tenant: teamId, channel: ev.channel, thread },
    user: { id: ev.user ?? 'unknown' },
    text: stripSlackMentions(ev.text ?? '', botUserId),
    eventId: slackEventId(ev.channel, ev.ts),
    receivedAt: Date.now(),
    reply,
    access: { dm: ev.channel_type === 'im', ...(enterpriseId ? { enterprise: enterpriseId } : {}) },
  };
}

/** Messages the bot must not answer: its own, other bots', edits and other subtypes. */
export function isIgnorableMessage(ev: SlackMessageEvent, botUserId?: string): boolean {
  return Boolean(ev.bot_id) || (ev.subtype !== undefined && ev.subtype !== 'file_share') || (botUserId !== undefined && ev.user === botUserId);
}
