import type { Activity, ConversationReference } from 'botbuilder';
import type { ConversationKey, HistoryMessage, InferenceJobInput, QuestionInput } from '../../src/index.js';
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

/** The question for the core's admission path; the id of the activity in its conversation is the idempotency key. */
export function teamsActivityToQuestion(a: Partial<Activity>, ref: Partial<ConversationReference>): QuestionInput {
  const job = teamsActivityToJob(a, ref, []);
  return {
    v: 1, key: job.key, user: job.user, text: job.text, eventId: job.source.eventId, receivedAt: job.source.receivedAt, reply: job.reply ?? {},
    access: { dm: a.conversation?.conversationType === 'personal' },
  };
}
