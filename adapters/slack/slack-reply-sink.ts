import type { WebClient } from '@slack/web-api';
import { diagnosisViewSchema, STRUCTURED_DIAGNOSIS, type DiagnosisView, type Logger, type OutgoingReply, type ReplyRef, type ReplySink } from '../../src/index.js';
import { withCoreErrors } from './slack-errors.js';
import { deliverDiagnosis, findExistingDiagnosis } from './diagnosis/deliver-diagnosis.js';
import { splitMessage } from '../shared/split-message.js';
import { knowledgeBlocks } from './knowledge-blocks.js';
import { imageBlocks } from './image-blocks.js';
import { partsAlongSegments } from '../shared/segment-parts.js';
import { isSlackLiveState, type SlackLiveState } from './live/slack-live-state.js';
import { feedbackButtonsBlock, isInvalidBlocksError, plainFeedbackBlock } from './feedback/feedback-blocks.js';

/** Slack's `markdown` block takes up to 12,000 characters; a message's text is best kept under 4,000. */
export const SLACK_PART_MAX_CHARS = 3900;
const METADATA_EVENT = 'r1_reply';

/** The final text in parts; a live answer keeps the boundaries of the messages it streamed into. */
function partsOf(r: OutgoingReply, liveStarts: number[]): string[] {
  if (r.status === 'failed') return [r.error ?? 'Sorry, something went wrong.'];
  const body = r.answer.trimEnd();
  const text = r.status === 'stopped' ? (body ? `${body}\n\n_(stopped)_` : '⏹ _(stopped before answering)_') : body || '_(the model returned an empty answer)_';
  return liveStarts.length ? partsAlongSegments(text, liveStarts, SLACK_PART_MAX_CHARS) : splitMessage(text, SLACK_PART_MAX_CHARS);
}

/**
 * Posts replies as threaded messages (never at the channel root). Each part carries message
 * metadata naming the message log id, so a retried delivery can find what was already posted.
 *
 * Exactly once: the client never retries a post by itself (see `slackClientOptions`); a failed
 * post (a 5xx may come after Slack stored the message) fails the delivery job, whose next attempt
 * finds the parts already there by their metadata and edits them instead of posting again.
 * A rate limit (429) rejects with `PlatformRateLimitError` and the delivery job is delayed.
 */
export class SlackReplySink implements ReplySink<SlackLiveState> {
  readonly platform = 'slack' as const;
  private readonly client: WebClient;
  /** Workspaces that refused the feedback element (`invalid_blocks`): they get the plain buttons. */
  private readonly plainFeedback = new Set<string>();
  constructor(client: WebClient, private readonly log?: Logger) {
    this.client = withCoreErrors(client);
  }

  async deliver(r: OutgoingReply<SlackLiveState>): Promise<ReplyRef> {
    const diagnosis = diagnosisOf(r);
    if (diagnosis) return deliverDiagnosis(this.client, r, diagnosis);
    const channel = String(r.reply.channel);
    const thread_ts = String(r.reply.thread_ts);
    const live = isSlackLiveState(r.live) ? r.live : null;
    // Messages that already hold (part of) this answer are edited, never posted again: the live
    // segments, else the status message; after a crashed attempt, the parts it posted.
    const targets: string[] = live?.segments.length ? live.segments.map((s) => s.ts) : r.reply.status_ts ? [String(r.reply.status_ts)] : [];
    const parts = partsOf(r, live?.segments.map((s) => s.start) ?? []);
    const posted = r.previousAttempts ? (await this.postedPartsOf(r)).byPart : new Map<number, string>();
    const ts: string[] = [];
    for (const [i, text] of parts.entries()) {
      const last = i === parts.length - 1;
      const withFeedback = last && r.status !== 'failed';
      const msg = (plain: boolean) => ({
        channel,
        text,
        // What was read from attached images (with Diagnose buttons), then the sources (or the
        // model-only / nothing-found note), then 👍/👎, go under the last part.
        blocks: [
          { type: 'markdown', text }, ...(last ? [...imageBlocks(r), ...knowledgeBlocks(r)] : []),
          ...(withFeedback ? [plain ? plainFeedbackBlock(r.messageId) : feedbackButtonsBlock(r.messageId)] : []),
        ],
        metadata: { event_type: METADATA_EVENT, event_payload: { message_id: r.messageId, part: i, parts: parts.length } },
      });
      const existing = targets[i] ?? posted.get(i);
      const send = (plain: boolean) => existing
        ? this.client.chat.update({ ...msg(plain), ts: existing })
        : this.client.chat.postMessage({ ...msg(plain), thread_ts, unfurl_links: false });
      const plain = this.plainFeedback.has(r.key.tenant);
      let res;
      try {
        res = await send(plain);
      } catch (e) {
        // Refused before anything was stored: safe to send again, with the plain buttons.
        if (!withFeedback || plain || !isInvalidBlocksError(e)) throw e;
        this.plainFeedback.add(r.key.tenant);
        this.log?.info({ tenant: r.key.tenant }, 'workspace refused the feedback element; using plain 👍/👎 buttons');
        res = await send(true);
      }
      ts.push(String(res.ts));
    }
    // Live messages the final text no longer needs (it got shorter), and a streamed answer's status message.
    const surplus = [...targets.slice(parts.length), ...(live?.segments.length && live.statusTs !== targets[0] ? [live.statusTs] : [])];
    // Best effort: a message already gone stays gone; the answer itself is in place.
    for (const extra of surplus) await this.client.chat.delete({ channel, ts: extra }).catch((e) => this.log?.debug({ err: (e as Error).message }, 'could not delete a surplus live message'));
    await this.removeWorkingReaction(r);
    return { channel, thread_ts, ts };
  }

  /**
   * The 👀 added on arrival goes once the reply (answer or failure notice) is in the thread. Best
   * effort: a 429 or any error on `reactions.remove` must never delay or fail the delivery.
   */
  private async removeWorkingReaction(r: OutgoingReply<SlackLiveState>): Promise<void> {
    if (!r.reply.message_ts) return;
    await this.client.reactions.remove({ channel: String(r.reply.channel), timestamp: String(r.reply.message_ts), name: 'eyes' })
      .catch((e) => this.log?.debug({ err: (e as Error).message }, 'could not remove the 👀 reaction'));
  }

  /** A crashed attempt's reply counts as delivered only when every one of its parts is there. */
  async findExisting(r: OutgoingReply<SlackLiveState>): Promise<ReplyRef | null> {
    if (diagnosisOf(r)) return findExistingDiagnosis(this.client, r);
    const { byPart, total } = await this.postedPartsOf(r);
    if (byPart.size === 0 || byPart.size < total) return null;
    // The attempt that posted it failed before removing the reaction (e.g. a 500 after Slack stored the post).
    await this.removeWorkingReaction(r);
    return { channel: String(r.reply.channel), thread_ts: String(r.reply.thread_ts), ts: [...byPart.entries()].sort((x, y) => x[0] - y[0]).map(([, t]) => t), recovered: true };
  }

  /** This message's parts already in the thread (tagged by a previous attempt), by part index. */
  private async postedPartsOf(r: OutgoingReply<SlackLiveState>): Promise<{ byPart: Map<number, string>; total: number }> {
    const res = await this.client.conversations.replies({ channel: String(r.reply.channel), ts: String(r.reply.thread_ts), include_all_metadata: true, limit: 200 });
    const byPart = new Map<number, string>();
    let total = 0;
    for (const m of res.messages ?? []) {
      const md = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
      if (md?.event_type !== METADATA_EVENT || String(md.event_payload?.message_id) !== r.messageId) continue;
      byPart.set(Number(md.event_payload?.part ?? 0), String(m.ts));
      total = Math.max(total, Number(md.event_payload?.parts ?? 1));
    }
    return { byPart, total };
  }
}

/** The diagnosis to render, when this reply is one (`structured.kind === 'diagnosis'`). */
function diagnosisOf(r: OutgoingReply<SlackLiveState>): DiagnosisView | null {
  if (r.structured?.kind !== STRUCTURED_DIAGNOSIS) return null;
  const v = diagnosisViewSchema.safeParse(r.structured.data);
  if (!v.success) throw new Error(`diagnosis reply for message ${r.messageId} does not match the view schema: ${v.error.issues[0]?.message}`);
  return v.data;
}
