import type { SlackLiveState } from './slack-live-state.js';
import type { SlackTarget } from './edit-surface.js';

/** First characters of a pending post compared with the thread's messages (enough to be unique, short enough to survive Slack's formatting). */
const MATCH_CHARS = 200;

/**
 * After a post into the thread failed without an answer (a 5xx or a timeout can come after Slack
 * stored the message, and the client does not retry: see `slackClientOptions`), the live state keeps
 * it as `pendingPost`. Before posting again, this looks for it in the thread: a bot message, newer
 * than the status message, not one of ours already, whose text starts with what was sent. Found →
 * its ts (the caller adopts it as the segment); not found → null (the caller posts again).
 *
 * Streams carry no message metadata, so the match is by text; two live answers in one thread
 * with the same opening characters could confuse it, which only means one adopts the other's
 * first segment, whose text the final delivery then overwrites.
 */
export async function adoptPendingPost(t: SlackTarget, st: SlackLiveState): Promise<string | null> {
  const pending = st.pendingPost;
  if (!pending) return null;
  const res = await t.client.conversations.replies({ channel: t.channel, ts: t.threadTs, limit: 200 });
  const known = new Set([st.statusTs, ...st.segments.map((s) => s.ts)]);
  const head = pending.text.trim().slice(0, MATCH_CHARS);
  const hit = (res.messages ?? []).find((m) =>
    m.ts && !known.has(m.ts) && m.bot_id && Number(m.ts) > Number(st.statusTs) && (m.text ?? '').trim().startsWith(head));
  return hit?.ts ? String(hit.ts) : null;
}
