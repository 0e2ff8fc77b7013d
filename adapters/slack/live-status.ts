import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { estimateWaitSeconds, followLive, inferenceJobId, queuedText, requestCancel, thinkingText, type Runtime } from '../../src/index.js';

export const STOP_ACTION = 'r1_stop';
/** Slack allows about one chat.update per second per channel (Tier 3 / special limits). */
export const UPDATE_INTERVAL_MS = 1100;

const stopButton = (jobId: string) => ({ type: 'actions', elements: [{ type: 'button', action_id: STOP_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Stop' }, value: jobId }] });
export const liveBlocks = (text: string, jobId?: string) => [{ type: 'markdown', text: text.slice(0, 11_000) }, ...(jobId ? [stopButton(jobId)] : [])];

/** Posts the in-thread status message the answer will stream into. */
export async function postStatus(client: WebClient, channel: string, thread_ts: string, jobId: string): Promise<string> {
  const text = queuedText(1, null).replace(' — position 1', '');
  const res = await client.chat.postMessage({ channel, thread_ts, text, blocks: liveBlocks(text, jobId), unfurl_links: false });
  return String(res.ts);
}

/** Position of a job among the jobs waiting to start (1 = next), by BullMQ priority then age. */
async function positionOf(rt: Runtime, jobId: string): Promise<number | null> {
  const q = rt.queues.inference;
  const me = await q.getJob(jobId);
  if (!me || (await me.getState()) === 'active') return null;
  const waiting = await q.getJobs(['prioritized', 'waiting'], 0, 999);
  const prio = me.opts.priority ?? 0;
  return 1 + waiting.filter((j) => j.id !== jobId && ((j.opts.priority ?? 0) < prio || ((j.opts.priority ?? 0) === prio && j.timestamp < me.timestamp))).length;
}

/**
 * Follows a job's live events and shows them in its status message: queue position and ETA while
 * queued, "Thinking… N s" while R1 reasons (never mixed into the answer), then the answer as it
 * streams, edited at a bounded rate. The final delivery replaces the message with the full answer.
 */
export function followIntoSlack(rt: Runtime, client: WebClient, channel: string, ts: string, jobId: string): void {
  const redis: Redis = rt.redis.duplicate();
  const ac = new AbortController();
  const timeout = setTimeout(() => ac.abort(), 30 * 60_000).unref();
  let startedAt = 0;
  let thought = '';
  let answer = '';
  let lastUpdate = 0;
  let pending: NodeJS.Timeout | undefined;
  let shown = '';
  const render = () => (answer ? `${answer} ▍` : startedAt ? thinkingText(Math.round((Date.now() - startedAt) / 1000), thought.trim().split('\n').at(-1)) : shown);
  const update = async (force = false) => {
    const text = render();
    if (!text || text === shown) return;
    const wait = UPDATE_INTERVAL_MS - (Date.now() - lastUpdate);
    if (wait > 0 && !force) {
      pending ??= setTimeout(() => {
        pending = undefined;
        void update(true).catch(() => {});
      }, wait);
      return;
    }
    lastUpdate = Date.now();
    shown = text;
    await client.chat.update({ channel, ts, text, blocks: liveBlocks(text, jobId) }).catch(() => {});
  };
  // While queued: position and ETA, refreshed as the queue moves.
  const queuedLoop = (async () => {
    while (!startedAt && !ac.signal.aborted) {
      const pos = await positionOf(rt, jobId).catch(() => null);
      if (pos !== null && !startedAt) {
        const text = queuedText(pos, await estimateWaitSeconds(rt.redis, rt.cfg.QUEUE_PREFIX, pos).catch(() => null));
        if (text !== shown) {
          shown = text;
          lastUpdate = Date.now();
          await client.chat.update({ channel, ts, text, blocks: liveBlocks(text, jobId) }).catch(() => {});
        }
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  void followLive(redis, rt.cfg.QUEUE_PREFIX, jobId, async (e) => {
    if (e.type === 'started') startedAt = e.at;
    else if (e.type === 'thought') thought += e.text;
    else if (e.type === 'answer') answer += e.text;
    if (e.type !== 'end') await update();
  }, ac.signal)
    .catch((e) => rt.log.debug({ err: (e as Error).message, jobId }, 'live follow ended'))
    .finally(async () => {
      clearTimeout(pending);
      clearTimeout(timeout);
      ac.abort();
      await queuedLoop.catch(() => {});
      redis.disconnect();
    });
  rt.onClose(async () => ac.abort());
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
    if (ts) await requestCancel(rt.redis, rt.cfg.QUEUE_PREFIX, inferenceJobId('slack', team, `${ev.channel}/${ts}`));
  });
}
