import { liveStatusText, type LiveView } from '../../../src/index.js';
import { showStatus, type SlackTarget } from './edit-surface.js';
import { cutPoint } from '../../shared/segment-parts.js';
import { adoptPendingPost } from './adopt-pending-post.js';
import type { SlackLiveState } from './slack-live-state.js';

/** Errors that mean this workspace, token or channel cannot stream: answer by editing instead. */
export const STREAM_UNSUPPORTED = new Set(['unknown_method', 'not_allowed_token_type', 'missing_scope', 'method_deprecated', 'feature_not_enabled', 'not_implemented', 'invalid_arguments']);

export const slackErrorCode = (e: unknown): string | undefined => (e as { data?: { error?: string } }).data?.error;

export interface StreamTarget extends SlackTarget {
  /** Channel streams are addressed to the user who asked, in their team. */
  recipientUserId: string;
  recipientTeamId: string;
  /** A stream older than this is closed and the answer continues in a follow-up stream. */
  maxStreamMs: number;
}

/**
 * Native mode: the status message shows queue position and thinking time, then "Answering…"
 * with the Stop button while the answer streams into its own threaded message via
 * chat.startStream / appendStream / stopStream. A stream that Slack expired (about 5 minutes),
 * that reached `maxStreamMs`, or that is full is stopped, and the rest continues in a new stream:
 * what was appended stays, nothing is sent twice.
 */
export async function showByStreaming(t: StreamTarget, st: SlackLiveState, view: LiveView): Promise<void> {
  if (!view.answer) return showStatus(t, st, liveStatusText(view));
  await showStatus(t, st, '✍️ Answering…');
  await appendPending(t, st, view.answer);
}

/** Flushes the rest of the answer and stops the open stream. */
export async function finishStreaming(t: StreamTarget, st: SlackLiveState, view: LiveView): Promise<void> {
  if (view.answer) await appendPending(t, st, view.answer);
  if (st.streamOpen) await stopStream(t, st);
}

async function appendPending(t: StreamTarget, st: SlackLiveState, answer: string): Promise<void> {
  while (st.committed < answer.length) {
    const seg = st.segments.at(-1);
    const used = seg && st.streamOpen ? st.committed - seg.start : 0;
    const expired = st.streamOpen && Date.now() - (st.streamStartedAt ?? 0) > t.maxStreamMs;
    if (st.streamOpen && (expired || used >= t.maxChars)) {
      await stopStream(t, st);
      continue;
    }
    const room = st.streamOpen ? t.maxChars - used : t.maxChars;
    const pending = answer.slice(st.committed);
    const chunk = pending.slice(0, cutPoint(pending, room));
    if (!st.streamOpen) {
      // A start that failed earlier may have opened the stream anyway (a 5xx after Slack stored it).
      const adopted = st.pendingPost ? await adoptPendingPost(t, st) : null;
      if (adopted) {
        st.segments.push({ ts: adopted, start: st.pendingPost!.start });
        Object.assign(st, { streamOpen: true, streamStartedAt: Date.now(), committed: st.pendingPost!.start + st.pendingPost!.text.length, pendingPost: undefined });
        await t.save();
        continue;
      }
      st.pendingPost = { start: st.committed, text: chunk };
      await t.save();
      const res = await t.client.chat.startStream({
        channel: t.channel, thread_ts: t.threadTs, markdown_text: chunk, recipient_user_id: t.recipientUserId, recipient_team_id: t.recipientTeamId,
      }).catch((e) => {
        // Slack answered, and said no: nothing was stored.
        if (slackErrorCode(e)) st.pendingPost = undefined;
        throw e;
      });
      st.segments.push({ ts: String(res.ts), start: st.committed });
      Object.assign(st, { streamOpen: true, streamStartedAt: Date.now(), committed: st.committed + chunk.length, pendingPost: undefined });
      await t.save();
      continue;
    }
    try {
      await t.client.chat.appendStream({ channel: t.channel, ts: seg!.ts, markdown_text: chunk });
      st.committed += chunk.length;
      await t.save();
    } catch (e) {
      if (slackErrorCode(e) !== 'message_not_in_streaming_state') throw e;
      // Slack ended this stream: what it holds stays; the rest goes to a follow-up stream.
      st.streamOpen = false;
      await t.save();
    }
  }
}

async function stopStream(t: StreamTarget, st: SlackLiveState): Promise<void> {
  const seg = st.segments.at(-1)!;
  await t.client.chat.stopStream({ channel: t.channel, ts: seg.ts }).catch((e) => {
    if (slackErrorCode(e) !== 'message_not_in_streaming_state') throw e;
  });
  st.streamOpen = false;
  await t.save();
}
