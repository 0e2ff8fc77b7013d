import type { WebClient } from '@slack/web-api';
import type { HistoryMessage } from '../../src/index.js';
import { stripSlackMentions } from '../shared/strip-mention.js';

export interface FetchHistoryOptions {
  channel: string;
  threadTs: string;
  /** The current message, excluded from history. */
  currentTs: string;
  botUserId?: string;
  botId?: string;
  /** Keep at most this many messages (the latest). */
  maxMessages: number;
}

/** Earlier messages of a Slack thread via `conversations.replies`, oldest first, bounded. */
export async function fetchThreadHistory(client: WebClient, o: FetchHistoryOptions): Promise<HistoryMessage[]> {
  const res = await client.conversations.replies({ channel: o.channel, ts: o.threadTs, limit: 200 });
  const msgs = (res.messages ?? []).filter((m) => m.ts !== o.currentTs && typeof m.text === 'string' && m.text.trim() !== '');
  return msgs.slice(-o.maxMessages).map((m) => {
    const fromBot = (o.botUserId !== undefined && m.user === o.botUserId) || (o.botId !== undefined && m.bot_id === o.botId);
    return fromBot
      ? { role: 'assistant' as const, text: m.text! }
      : { role: 'user' as const, text: stripSlackMentions(m.text!, o.botUserId), user: m.user };
  });
}
