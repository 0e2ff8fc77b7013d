import type { OutgoingReply, ReplyRef } from '../../../src/index.js';
import { AI_GENERATED_ENTITY, answerCard } from '../answer-card.js';
import { streamRefusal, type TeamsConnector } from './connector.js';
import { partsAlongSegments } from '../../shared/segment-parts.js';
import { cardActivity } from './live-card.js';
import { finalStreamMessage } from './stream-surface.js';
import type { TeamsLiveState } from './teams-live-state.js';

export interface LiveDeliveryTarget {
  connector: TeamsConnector;
  conversationId?: string;
  maxChars: number;
  /** Records follow-up parts as they are posted, so a retried delivery edits instead of posting again. */
  save(st: TeamsLiveState): Promise<void>;
}

/** The answer card's extras (sources, reasoning, feedback) without the text, or null when there are none. */
export function extrasCard(r: OutgoingReply): Record<string, unknown> | null {
  const card = answerCard(r, { text: '', first: true }) as { body: unknown[]; actions?: unknown[] };
  const body = card.body.slice(1);
  if (body.length === 0 && !card.actions?.length) return null;
  return { ...card, body };
}

const AI = [AI_GENERATED_ENTITY];
const CHANNEL_DATA = { feedbackLoopEnabled: false };

/**
 * Final delivery of an answer that was shown live: the activities that hold live text are
 * replaced by the authoritative answer (the open stream gets its final message; cards and closed
 * streams are updated in place), only parts that do not exist yet are posted, and live
 * activities the final text no longer needs are deleted. A retry edits what it posted before.
 */
export async function deliverLive(t: LiveDeliveryTarget, r: OutgoingReply, st: TeamsLiveState, body: string): Promise<ReplyRef> {
  const delivered = (st.delivered ??= {});
  const starts = st.segments.map((s) => s.start);
  const parts = partsAlongSegments(body, starts, t.maxChars);
  const targets = st.segments.length ? st.segments.map((s) => s.id) : st.mode === 'card' && st.cardId ? [st.cardId] : [];
  const ids: string[] = [];
  const last = parts.length - 1;
  for (const [i, text] of parts.entries()) {
    const seg = st.segments[i];
    let id: string | undefined;
    if (st.mode === 'card') {
      const activity = { ...cardActivity(answerCard(r, { text, first: i === 0 }), AI), channelData: CHANNEL_DATA };
      id = targets[i] ?? delivered[i];
      if (id) await t.connector.update(id, activity);
      else id = await post(t, st, i, activity);
    } else {
      // Stream mode: message text (what streamed), the extras card under the last part.
      const extras = i === last ? extrasCard(r) : null;
      const attachments = extras ? [{ contentType: 'application/vnd.microsoft.card.adaptive', content: extras }] : undefined;
      const message = { type: 'message', text, textFormat: 'markdown', entities: AI, channelData: CHANNEL_DATA, ...(attachments ? { attachments } : {}) };
      const open = st.stream && !st.cancelled && (seg ? seg.id === st.stream.id && seg.closedText === undefined : i === st.segments.length && delivered[i] === undefined);
      if (open) {
        id = await closeWithFinal(t, st, i, st.stream!.id, text, attachments, message);
      } else if (seg) {
        id = seg.id;
        if (seg.closedText !== text || attachments || st.cancelled || seg.closedText === undefined) await t.connector.update(seg.id, message);
      } else if (delivered[i]) {
        id = delivered[i];
        await t.connector.update(id, message);
      } else {
        id = await post(t, st, i, message);
      }
    }
    ids.push(id);
  }
  for (const extra of targets.slice(parts.length)) await t.connector.delete(extra).catch(() => {});
  return { conversationId: t.conversationId, activityIds: ids, live: st.mode };
}

async function post(t: LiveDeliveryTarget, st: TeamsLiveState, i: number, activity: Record<string, unknown>): Promise<string> {
  const id = await t.connector.post(activity);
  st.delivered![i] = id;
  await t.save(st);
  return id;
}

/** The open stream's final message; where Teams no longer takes it, the text goes in place (or, with no text shown, in a new message). */
async function closeWithFinal(t: LiveDeliveryTarget, st: TeamsLiveState, i: number, streamId: string, text: string, attachments: unknown[] | undefined, message: Record<string, unknown>): Promise<string> {
  try {
    await t.connector.post(finalStreamMessage(streamId, text, attachments ? { attachments } : {}));
    const seg = st.segments[i];
    if (seg && st.stream?.hasText) {
      // Closed: a retry updates it in place instead of sending a second final.
      seg.closedText = text;
      await t.save(st);
      return streamId;
    }
    // An informative-only stream became this message: a retry must not post it again.
    st.delivered![i] = streamId;
    await t.save(st);
    return streamId;
  } catch (e) {
    // Refused (expired, cancelled, completed) or rejected (a final that changes streamed text, e.g. after a restarted answer).
    if (!streamRefusal(e) && !isClientError(e)) throw e;
    if (st.stream?.hasText) {
      try {
        await t.connector.update(streamId, message);
        return streamId;
      } catch (e2) {
        if (!isClientError(e2)) throw e2;
      }
    }
    return post(t, st, i, message);
  }
}

const isClientError = (e: unknown): boolean => {
  const status = (e as { statusCode?: number }).statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 429;
};
