import type { Activity, ConversationReference } from 'botbuilder';
import type { ConversationKey, HistoryMessage, ImageInput, InferenceJobInput, QuestionInput } from '../../src/index.js';
import { stripTeamsMentions } from '../shared/strip-mention.js';

const MESSAGE_ID = /;messageid=(\d+)/;

/** Teams reply target carried in the job: the conversation reference of the reply chain. */
export interface TeamsReplyTarget {
  reference: Partial<ConversationReference>;
  [k: string]: unknown;
}

/**
 * The canonical key for a Teams activity. Channel posts: channel = conversation id without
 * `;messageid=`, thread = the reply chain's root message id (the activity itself for a new post).
 * Personal and group chats have no reply chains: thread = the conversation id.
 */
export function teamsConversationKey(a: Partial<Activity>): ConversationKey {
  const convId = a.conversation?.id ?? 'unknown';
  const tenant = a.conversation?.tenantId ?? (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id ?? 'unknown';
  const channel = convId.replace(MESSAGE_ID, '');
  if (a.conversation?.conversationType === 'channel') {
    const root = MESSAGE_ID.exec(convId)?.[1] ?? a.id ?? 'unknown';
    return { platform: 'teams', tenant, channel, thread: root };
  }
  return { platform: 'teams', tenant, channel, thread: channel };
}

/** Whether a channel message is addressed to the bot (an `@mention` of the recipient). */
export function mentionsBot(a: Partial<Activity>): boolean {
  const botId = a.recipient?.id;
  return (a.entities ?? []).some((e) => e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === botId);
}

/** The reference proactive replies use: channel posts are pinned to their reply chain. */
export function replyReference(ref: Partial<ConversationReference>, key: ConversationKey, isChannel: boolean): Partial<ConversationReference> {
  if (!isChannel || !ref.conversation) return ref;
  return { ...ref, activityId: undefined, conversation: { ...ref.conversation, id: `${key.channel};messageid=${key.thread}` } };
}

export function teamsActivityToJob(a: Partial<Activity>, ref: Partial<ConversationReference>, history: HistoryMessage[]): InferenceJobInput {
  const key = teamsConversationKey(a);
  const botNames = a.recipient?.name ? [a.recipient.name] : [];
  const reply: TeamsReplyTarget = { reference: replyReference(ref, key, a.conversation?.conversationType === 'channel') };
  return {
    v: 1,
    kind: 'chat',
    key,
    user: { id: a.from?.aadObjectId ?? a.from?.id ?? 'unknown', name: a.from?.name },
    text: stripTeamsMentions(a.text ?? '', botNames),
    history,
    source: { eventId: `${a.conversation?.id ?? ''}/${a.id ?? ''}`, receivedAt: Date.now() },
    reply,
  };
}

/** Teams' attachment for a file shared in a personal chat: a pre-authorised download URL. */
const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';
const IMAGE_EXT: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf' };

/**
 * The images of a Teams message: inline pictures (`image/*` with a `contentUrl` under the
 * conversation's service URL, downloaded with the bot's token) and files shared in a personal chat
 * (`file.download.info` with a pre-authorised `downloadUrl`, fetched without a token). The message
 * body's own `text/html` copy and cards are not images and are skipped.
 * @see https://learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4
 */
export function teamsAttachmentsToImages(a: Partial<Activity>): ImageInput[] {
  const out: ImageInput[] = [];
  for (const att of a.attachments ?? []) {
    const type = att.contentType?.toLowerCase() ?? '';
    if (type.startsWith('image/') && att.contentUrl) {
      out.push({ name: att.name ?? '', mime: type, source: { kind: 'teams', url: att.contentUrl, auth: true } });
    } else if (type === FILE_DOWNLOAD_INFO) {
      const c = att.content as { downloadUrl?: string; fileType?: string } | undefined;
      if (!c?.downloadUrl) continue;
      out.push({ name: att.name ?? '', mime: IMAGE_EXT[c.fileType?.toLowerCase() ?? ''] ?? `application/x-${c.fileType ?? 'file'}`, source: { kind: 'teams', url: c.downloadUrl, auth: false } });
    }
  }
  return out;
}

/** The question for the core's admission path; the id of the activity in its conversation is the idempotency key. */
export function teamsActivityToQuestion(a: Partial<Activity>, ref: Partial<ConversationReference>): QuestionInput {
  const job = teamsActivityToJob(a, ref, []);
  const images = teamsAttachmentsToImages(a);
  return {
    v: 1, key: job.key, user: job.user, text: job.text, eventId: job.source.eventId, receivedAt: job.source.receivedAt, reply: job.reply ?? {},
    access: { dm: a.conversation?.conversationType === 'personal' },
    ...(images.length ? { images } : {}),
  };
}
