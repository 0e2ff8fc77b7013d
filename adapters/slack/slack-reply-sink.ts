import type { WebClient } from '@slack/web-api';
import { diagnosisViewSchema, STRUCTURED_DIAGNOSIS, type DiagnosisView, type OutgoingReply, type ReplyRef, type ReplySink } from '../../src/index.js';
import { deliverDiagnosis, findExistingDiagnosis } from './diagnosis/deliver-diagnosis.js';
import { splitMessage } from '../shared/split-message.js';
import { knowledgeBlocks } from './knowledge-blocks.js';

/** Slack's `markdown` block takes up to 12,000 characters; a message's text is best kept under 4,000. */
export const SLACK_PART_MAX_CHARS = 3900;
const METADATA_EVENT = 'r1_reply';

function partsOf(r: OutgoingReply): string[] {
  if (r.status === 'failed') return [r.error ?? 'Sorry, something went wrong.'];
  const body = r.answer.trim() || '_(the model returned an empty answer)_';
  const text = r.status === 'stopped' ? `${body}\n\n_(stopped)_` : body;
  return splitMessage(text, SLACK_PART_MAX_CHARS);
}

/**
 * Posts replies as threaded messages (never at the channel root). Each part carries message
 * metadata naming the message log id, so a retried delivery can find what was already posted.
 * Rate limits (429) are retried by the WebClient after `Retry-After`.
 */
export class SlackReplySink implements ReplySink {
  readonly platform = 'slack' as const;
  constructor(private readonly client: WebClient) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    const diagnosis = diagnosisOf(r);
    if (diagnosis) return deliverDiagnosis(this.client, r, diagnosis);
    const channel = String(r.reply.channel);
    const thread_ts = String(r.reply.thread_ts);
    const parts = partsOf(r);
    const ts: string[] = [];
    for (const [i, text] of parts.entries()) {
      const msg = {
        channel,
        text,
        // Sources (or the model-only / nothing-found note) go under the last part.
        blocks: [{ type: 'markdown', text }, ...(i === parts.length - 1 ? knowledgeBlocks(r) : [])],
        metadata: { event_type: METADATA_EVENT, event_payload: { message_id: r.messageId, part: i, parts: parts.length } },
      };
      // The live status message (streamed into while generating) becomes the first part: no second copy.
      const res = i === 0 && r.reply.status_ts
        ? await this.client.chat.update({ ...msg, ts: String(r.reply.status_ts) })
        : await this.client.chat.postMessage({ ...msg, thread_ts, unfurl_links: false });
      ts.push(String(res.ts));
    }
    if (r.reply.message_ts) {
      await this.client.reactions.remove({ channel, timestamp: String(r.reply.message_ts), name: 'eyes' }).catch(() => {});
    }
    return { channel, thread_ts, ts };
  }

  async findExisting(r: OutgoingReply): Promise<ReplyRef | null> {
    if (diagnosisOf(r)) return findExistingDiagnosis(this.client, r);
    const channel = String(r.reply.channel);
    const thread_ts = String(r.reply.thread_ts);
    const res = await this.client.conversations.replies({ channel, ts: thread_ts, include_all_metadata: true, limit: 200 });
    const mine = (res.messages ?? []).filter((m) => {
      const md = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
      return md?.event_type === METADATA_EVENT && String(md.event_payload?.message_id) === r.messageId;
    });
    if (mine.length === 0) return null;
    return { channel, thread_ts, ts: mine.map((m) => String(m.ts)), recovered: true };
  }
}

/** The diagnosis to render, when this reply is one (`structured.kind === 'diagnosis'`). */
function diagnosisOf(r: OutgoingReply): DiagnosisView | null {
  if (r.structured?.kind !== STRUCTURED_DIAGNOSIS) return null;
  const v = diagnosisViewSchema.safeParse(r.structured.data);
  if (!v.success) throw new Error(`diagnosis reply for message ${r.messageId} does not match the view schema: ${v.error.issues[0]?.message}`);
  return v.data;
}
