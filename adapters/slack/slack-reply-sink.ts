import type { WebClient } from '@slack/web-api';
import type { OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';
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
    const channel = String(r.reply.channel);
    const thread_ts = String(r.reply.thread_ts);
    const parts = partsOf(r);
    const ts: string[] = [];
    for (const [i, text] of parts.entries()) {
      const res = await this.client.chat.postMessage({
        channel,
        thread_ts,
        text,
        // Sources (or the model-only / nothing-found note) go under the last part.
        blocks: [{ type: 'markdown', text }, ...(i === parts.length - 1 ? knowledgeBlocks(r) : [])],
        unfurl_links: false,
        metadata: { event_type: METADATA_EVENT, event_payload: { message_id: r.messageId, part: i, parts: parts.length } },
      });
      ts.push(String(res.ts));
    }
    if (r.reply.message_ts) {
      await this.client.reactions.remove({ channel, timestamp: String(r.reply.message_ts), name: 'eyes' }).catch(() => {});
    }
    return { channel, thread_ts, ts };
  }

  async findExisting(r: OutgoingReply): Promise<ReplyRef | null> {
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
