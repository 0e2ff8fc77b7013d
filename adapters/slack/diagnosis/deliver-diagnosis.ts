import type { WebClient } from '@slack/web-api';
import type { DiagnosisView, OutgoingReply, ReplyRef } from '../../../src/index.js';
import { diagnosisBlocks, diagnosisRootBlocks } from './diagnosis-blocks.js';

/** Message metadata tagging the two posts of a diagnosis, so a retried delivery finds them. */
export const DIAGNOSIS_METADATA_EVENT = 'r1_diagnosis';

const meta = (r: OutgoingReply, part: 'root' | 'result') => ({ event_type: DIAGNOSIS_METADATA_EVENT, event_payload: { message_id: r.messageId, part } });
const isMine = (m: { metadata?: unknown }, r: OutgoingReply, part: 'root' | 'result') => {
  const md = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
  return md?.event_type === DIAGNOSIS_METADATA_EVENT && String(md.event_payload?.message_id) === r.messageId && md.event_payload?.part === part;
};

/** The thread root an earlier, crashed attempt posted, if any (needs `channels:history` / `groups:history`). */
async function findRoot(client: WebClient, channel: string, r: OutgoingReply): Promise<string | null> {
  const res = await client.conversations.history({ channel, include_all_metadata: true, limit: 200 }).catch(() => null);
  const root = res?.messages?.find((m) => isMine(m, r, 'root'));
  return root?.ts ? String(root.ts) : null;
}

async function findResult(client: WebClient, channel: string, rootTs: string, r: OutgoingReply): Promise<string | null> {
  const res = await client.conversations.replies({ channel, ts: rootTs, include_all_metadata: true, limit: 200 }).catch(() => null);
  const hit = res?.messages?.find((m) => isMine(m, r, 'result'));
  return hit?.ts ? String(hit.ts) : null;
}

/** The thread a diagnosis was requested in (the Diagnose button), or null for `/diagnose`, which opens its own. */
const inThreadOf = (r: OutgoingReply): string | null => (typeof r.reply.thread_ts === 'string' && r.reply.thread_ts ? r.reply.thread_ts : null);

/** Both posts of a diagnosis an earlier attempt made, or null when either is missing. */
export async function findExistingDiagnosis(client: WebClient, r: OutgoingReply): Promise<ReplyRef | null> {
  const channel = String(r.reply.channel);
  const rootTs = inThreadOf(r) ?? await findRoot(client, channel, r);
  if (!rootTs) return null;
  const ts = await findResult(client, channel, rootTs, r);
  return ts ? { channel, thread_ts: rootTs, ts: [ts], recovered: true } : null;
}

/**
 * Posts a diagnosis: a channel message that opens a thread for it ("🔧 Diagnosis for P-101 …"),
 * then the structured result (or the failure text) in that thread. A retry after a crash reuses
 * the root it finds instead of opening a second thread.
 */
export async function deliverDiagnosis(client: WebClient, r: OutgoingReply, view: DiagnosisView): Promise<ReplyRef> {
  const channel = String(r.reply.channel);
  const retried = (r.previousAttempts ?? 0) > 0;
  // Started from a thread (the Diagnose button under an answer): the result goes into that thread.
  const found = inThreadOf(r) ?? (retried ? await findRoot(client, channel, r) : null);
  let rootTs: string;
  if (found) {
    rootTs = found;
    const done = retried ? await findResult(client, channel, rootTs, r) : null;
    if (done) return { channel, thread_ts: rootTs, ts: [done], recovered: true };
  } else {
    const root = await client.chat.postMessage({
      channel, text: `${view.title} — requested by <@${view.requestedBy}>`, blocks: diagnosisRootBlocks(view), unfurl_links: false, metadata: meta(r, 'root'),
    });
    rootTs = String(root.ts);
  }
  const failed = r.status === 'failed' || !view.result;
  // The text is the notification and what a follow-up question in the thread sees as history.
  const text = failed ? (r.error ?? 'Sorry, this diagnosis failed. Please try again.') : r.answer.replace(/\*\*/g, '*');
  const res = await client.chat.postMessage({
    channel, thread_ts: rootTs, text, blocks: failed ? [{ type: 'section', text: { type: 'mrkdwn', text } }] : diagnosisBlocks(view),
    unfurl_links: false, metadata: meta(r, 'result'),
  });
  return { channel, thread_ts: rootTs, ts: [String(res.ts)] };
}
