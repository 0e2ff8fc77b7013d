import type { ImageInput, QuestionInput } from '../../src/index.js';
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
  /** Files shared with the message (a `file_share` message, or a mention with attachments). */
  files?: SlackFile[];
}

/** The fields of a Slack file object the bot uses. https://api.slack.com/types/file */
export interface SlackFile {
  id: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  /** `hosted`, `external`, `snippet`, `post`, `tombstone` (deleted), `hidden_by_limit`. */
  mode?: string;
  url_private_download?: string;
  url_private?: string;
}

/**
 * Files of a message as images for admission: metadata Slack declared and the
 * `url_private_download` the intake worker fetches with the bot token. Files without a download
 * URL (deleted, hidden by the workspace's plan, external) are passed on without one, so admission
 * refuses them by name.
 */
export function slackFilesToImages(files: SlackFile[] | undefined): ImageInput[] {
  return (files ?? []).map((f) => {
    const url = f.url_private_download ?? f.url_private;
    const name = f.name ?? f.title ?? '';
    if (!url || f.mode === 'tombstone' || f.mode === 'hidden_by_limit' || f.mode === 'external') {
      return { name, source: { kind: 'unavailable' as const, reason: 'cannot be downloaded from Slack (deleted, external or hidden by the workspace plan)' } };
    }
    return { name, mime: f.mimetype, bytes: f.size, source: { kind: 'slack' as const, fileId: f.id, url } };
  });
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
    images: ev.files?.length ? slackFilesToImages(ev.files) : undefined,
  };
}

/** Messages the bot must not answer: its own, other bots', edits and other subtypes. */
export function isIgnorableMessage(ev: SlackMessageEvent, botUserId?: string): boolean {
  return Boolean(ev.bot_id) || (ev.subtype !== undefined && ev.subtype !== 'file_share') || (botUserId !== undefined && ev.user === botUserId);
}
