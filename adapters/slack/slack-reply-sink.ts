import type { WebClient } from '@slack/web-api';
import type { OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';
import { splitMessage } from '../shared/split-message.js';
import { knowledgeBlocks } from './knowledge-blocks.js';
import { diagnosisBlocks } from './diagnosis-blocks.js';
import type { DiagnosisResult } from '../../src/index.js';

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
    if (r.reply.diagnosisId) return this.deliverDiagnosis(r);
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

  /** A diagnosis opens its own thread in the channel; the structured result lands in that thread. */
  private async deliverDiagnosis(r: OutgoingReply): Promise<ReplyRef> {
    const channel = String(r.reply.channel);
    const d = r.structured?.kind === 'diagnosis' ? (r.structured.data as DiagnosisResult) : undefined;
    const who = r.reply.requestedBy ? ` requested by <@${String(r.reply.requestedBy)}>` : '';
    const what = d ? ` for *${d.asset.id}* — ${d.asset.name}${d.fault ? ` (${d.fault.code})` : ''}` : '';
    const rootText = `🔧 Diagnosis #${String(r.reply.diagnosisId)}${what}${who}`;
    const root = await this.client.chat.postMessage({ channel, text: rootText, metadata: { event_type: METADATA_EVENT, event_payload: { message_id: r.messageId, part: 0, parts: 2 } } });
    const thread_ts = String(root.ts);
    const text = d ? r.answer.slice(0, SLACK_PART_MAX_CHARS) : (r.error ?? 'Sorry, the diagnosis failed. Please try again.');
    const res = await this.client.chat.postMessage({
      channel, thread_ts, text, unfurl_links: false,
      ...(d ? { blocks: diagnosisBlocks(d) } : {}),
      metadata: { event_type: METADATA_EVENT, event_payload: { message_id: r.messageId, part: 1, parts: 2 } },
    });
    return { channel, thread_ts, ts: [thread_ts, String(res.ts)] };
  }

  async findExisting(r: OutgoingReply): Promise<ReplyRef | null> {
    if (r.reply.diagnosisId) return null; // the diagnosis thread is created by the delivery itself
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
