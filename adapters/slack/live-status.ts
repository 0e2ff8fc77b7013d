import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { slackEventId } from './event-to-question.js';
import { inferenceJobId, queuedText, requestCancel, type Runtime } from '../../src/index.js';

export const STOP_ACTION = 'r1_stop';

const stopButton = (jobId: string) => ({ type: 'actions', elements: [{ type: 'button', action_id: STOP_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Stop' }, value: jobId }] });
export const liveBlocks = (text: string, jobId?: string) => [{ type: 'markdown', text: text.slice(0, 11_000) }, ...(jobId ? [stopButton(jobId)] : [])];

/** Posts the in-thread status message the answer will stream into. */
export async function postStatus(client: WebClient, channel: string, thread_ts: string, jobId: string): Promise<string> {
  const text = queuedText(1, null).replace(' — position 1', '');
  const res = await client.chat.postMessage({ channel, thread_ts, text, blocks: liveBlocks(text, jobId), unfurl_links: false });
  return String(res.ts);
}

/** Stop button and deleted questions → cancel the job (the worker aborts generation within a second). */
export function registerLiveActions(app: App, rt: Runtime): void {
  app.action(STOP_ACTION, async ({ ack, action, body, client }) => {
    await ack();
    const jobId = (action as { value?: string }).value;
    if (!jobId) return;
    await requestCancel(rt.redis, rt.cfg.QUEUE_PREFIX, jobId);
    rt.metrics.eventsReceived.inc({ platform: 'slack', kind: 'stop' });
    const b = body as { channel?: { id: string }; message?: { ts: string } };
    if (b.channel && b.message) await client.chat.update({ channel: b.channel.id, ts: b.message.ts, text: '⏹ Stopping…', blocks: liveBlocks('⏹ Stopping…') }).catch(() => {});
  });
  app.event('message', async ({ event, body }) => {
    const ev = event as { subtype?: string; channel: string; previous_message?: { ts: string }; deleted_ts?: string };
    if (ev.subtype !== 'message_deleted') return;
    const ts = ev.deleted_ts ?? ev.previous_message?.ts;
    const team = (body as { team_id?: string }).team_id ?? 'unknown';
    if (ts) await requestCancel(rt.redis, rt.cfg.QUEUE_PREFIX, inferenceJobId('slack', team, slackEventId(ev.channel, ts)));
  });
}
