import type { WebClient } from '@slack/web-api';
import { LIVE_CURSOR as CURSOR, liveStatusText, type LiveView } from '../../../src/index.js';
import { liveBlocks } from '../live-status.js';
import { cutPoint } from '../../shared/segment-parts.js';
import type { SlackLiveState } from './slack-live-state.js';
import { adoptPendingPost } from './adopt-pending-post.js';

export interface SlackTarget {
  client: WebClient;
  channel: string;
  threadTs: string;
  jobId: string;
  /** Most characters one message holds. */
  maxChars: number;
  /** Persists the live state; called right after every post, so a resumed relay never posts again. */
  save(): Promise<void>;
}

/** Edits the status message to `text` (with the Stop button) unless it already shows it. */
export async function showStatus(t: SlackTarget, st: SlackLiveState, text: string): Promise<void> {
  if (st.statusShown === text) return;
  await t.client.chat.update({ channel: t.channel, ts: st.statusTs, text, blocks: liveBlocks(text, t.jobId) });
  st.statusShown = text;
}

/**
 * Edit mode: the status message becomes the answer, edited in place with a cursor; an answer
 * longer than one message is closed at a line or word break and continues in a new threaded
 * message, which is edited from then on.
 */
export async function showByEditing(t: SlackTarget, st: SlackLiveState, view: LiveView): Promise<void> {
  if (!view.answer) return showStatus(t, st, liveStatusText(view));
  if (st.segments.length === 0) st.segments.push({ ts: st.statusTs, start: 0 });
  for (;;) {
    const seg = st.segments.at(-1)!;
    const text = view.answer.slice(seg.start);
    if (text.length + CURSOR.length <= t.maxChars) {
      const shown = `${text}${CURSOR}`;
      await t.client.chat.update({ channel: t.channel, ts: seg.ts, text: shown, blocks: liveBlocks(shown, t.jobId) });
      st.committed = view.answer.length;
      return;
    }
    // Full: close this message (no cursor, no button) and continue in a new one.
    const cut = cutPoint(text, t.maxChars - CURSOR.length);
    const head = text.slice(0, cut);
    await t.client.chat.update({ channel: t.channel, ts: seg.ts, text: head, blocks: liveBlocks(head) });
    const rest = view.answer.slice(seg.start + cut);
    const first = `${rest.slice(0, t.maxChars - CURSOR.length)}${CURSOR}`;
    // A post that failed earlier may be in the thread anyway (a 5xx after Slack stored it).
    const adopted = st.pendingPost?.start === seg.start + cut ? await adoptPendingPost(t, st) : null;
    let ts = adopted;
    if (!ts) {
      st.pendingPost = { start: seg.start + cut, text: first };
      await t.save();
      const res = await t.client.chat.postMessage({ channel: t.channel, thread_ts: t.threadTs, text: first, blocks: liveBlocks(first, t.jobId), unfurl_links: false })
        .catch((e) => {
          // Slack answered, and said no: nothing was stored.
          if ((e as { data?: { error?: string } }).data?.error) st.pendingPost = undefined;
          throw e;
        });
      ts = String(res.ts);
    }
    st.segments.push({ ts, start: seg.start + cut });
    st.committed = seg.start + cut;
    st.pendingPost = undefined;
    await t.save();
  }
}
