import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { checkRateLimit, claimEvent, enqueueInference, enqueueLiveRelay, inferenceJobId, withText, type Runtime } from '../../src/index.js';
import { slackEventToJob, isIgnorableMessage, type SlackMessageEvent } from './event-to-job.js';
import { fetchThreadHistory } from './fetch-thread-history.js';
import { postStatus } from './live-status.js';

export const EMPTY_QUESTION_TEXT = 'Ask me something after the mention, e.g. `@R1 why does pump P-101 cavitate at low flow?`';
export const tooLongText = (max: number) => `That message is too long for me (over ${max} characters). Please shorten it or split it into several questions.`;

/**
 * `app_mention` in channels and `message` in DMs → one inference job each. Bolt has already
 * acked the HTTP request (processBeforeResponse: false), so Slack sees a fast 200 and the work
 * here never delays the ack.
 */
export function registerSlackListeners(app: App, rt: Runtime): void {
  const { cfg, log, metrics } = rt;

  const handle = async (kind: string, ev: SlackMessageEvent, client: WebClient, teamId: string, botUserId?: string, botId?: string, retryNum?: number) => {
    const t0 = performance.now();
    metrics.eventsReceived.inc({ platform: 'slack', kind });
    const logFields = { channel: ev.channel, ts: ev.ts, retryNum };
    const question = slackEventToJob(ev, teamId, botUserId, []).text;
    if (!question) {
      await client.chat.postEphemeral({ channel: ev.channel, user: ev.user!, thread_ts: ev.thread_ts, text: EMPTY_QUESTION_TEXT }).catch(() => {});
      metrics.eventsAcked.inc({ platform: 'slack', kind, outcome: 'rejected' });
      return;
    }
    if (question.length > cfg.QUESTION_MAX_CHARS) {
      await client.chat.postEphemeral({ channel: ev.channel, user: ev.user!, thread_ts: ev.thread_ts, text: tooLongText(cfg.QUESTION_MAX_CHARS) }).catch(() => {});
      metrics.eventsAcked.inc({ platform: 'slack', kind, outcome: 'rejected' });
      return;
    }
    // A retry of an event already enqueued: nothing to do (and it must not count against rate limits).
    if (!(await claimEvent(rt.redis, cfg.QUEUE_PREFIX, inferenceJobId('slack', teamId, slackEventToJob(ev, teamId, botUserId, []).source.eventId)))) {
      metrics.eventsAcked.inc({ platform: 'slack', kind, outcome: 'duplicate' });
      return;
    }
    const rl = await checkRateLimit(rt.redis, cfg.QUEUE_PREFIX, { platform: 'slack', tenant: teamId, channel: ev.channel, thread: ev.thread_ts ?? ev.ts }, ev.user ?? 'unknown', { userPerMin: cfg.RATE_LIMIT_USER_PER_MIN, channelPerMin: cfg.RATE_LIMIT_CHANNEL_PER_MIN });
    if (!rl.ok) {
      await client.chat.postEphemeral({ channel: ev.channel, user: ev.user!, thread_ts: ev.thread_ts, text: rl.message }).catch(() => {});
      metrics.eventsAcked.inc({ platform: 'slack', kind, outcome: 'rate_limited' });
      return;
    }
    // Show we are working within a second, before any slower step (a retry re-adding it is harmless).
    const reacted = client.reactions.add({ channel: ev.channel, timestamp: ev.ts, name: 'eyes' }).catch(() => {});
    const history = ev.thread_ts
      ? await fetchThreadHistory(client, { channel: ev.channel, threadTs: ev.thread_ts, currentTs: ev.ts, botUserId, botId, maxMessages: cfg.HISTORY_MAX_MESSAGES }).catch((e) => {
          log.warn({ ...logFields, err: (e as Error).message }, 'could not fetch thread history; answering without it');
          return [];
        })
      : [];
    const job = slackEventToJob(ev, teamId, botUserId, history);
    const jobId = inferenceJobId('slack', teamId, job.source.eventId);
    // Live answers: a status message in the thread that the answer streams into and finally replaces.
    const statusTs = cfg.LIVE_UPDATES ? await postStatus(client, ev.channel, job.key.thread, jobId).catch(() => undefined) : undefined;
    if (statusTs) job.reply = { ...job.reply, status_ts: statusTs };
    // The relay (adapters role, any replica) shows progress and streams the answer into the thread.
    // Enqueued first, so the final delivery always finds it (and waits for it) however fast the answer.
    if (statusTs) await enqueueLiveRelay(rt.queues.liveFor('slack'), { v: 1, jobId, key: job.key, user: { id: job.user.id }, reply: job.reply ?? {} });
    const res = await enqueueInference(rt.queues.inference, job, { attempts: cfg.JOB_ATTEMPTS, fair: rt.fair });
    metrics.ackSeconds.observe({ platform: 'slack' }, (performance.now() - t0) / 1000);
    metrics.eventsAcked.inc({ platform: 'slack', kind, outcome: res.duplicate ? 'duplicate' : 'enqueued' });
    log.info(withText(log, { ...logFields, jobId: res.jobId, duplicate: res.duplicate, historyMessages: history.length }, { text: job.text }), 'slack event enqueued');
    await reacted;
  };

  app.event('app_mention', async ({ event, client, context, body }) => {
    const ev = event as unknown as SlackMessageEvent;
    if (isIgnorableMessage(ev, context.botUserId)) return;
    await handle('app_mention', ev, client, body.team_id ?? context.teamId ?? 'unknown', context.botUserId, context.botId, context.retryNum);
  });

  app.message(async ({ message, client, context, body }) => {
    const ev = message as unknown as SlackMessageEvent;
    if (ev.channel_type !== 'im' || isIgnorableMessage(ev, context.botUserId)) return;
    await handle('message_im', ev, client, (body as { team_id?: string }).team_id ?? context.teamId ?? 'unknown', context.botUserId, context.botId, context.retryNum);
  });
}
