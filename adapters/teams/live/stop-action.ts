import type { TurnContext } from 'botbuilder';
import { requestCancel, type Runtime } from '../../../src/index.js';
import { teamsConversationKey } from '../activity-to-job.js';

/**
 * The live card's Stop button: cancels the job (the worker aborts generation within a second),
 * only when the job belongs to the conversation the button was pressed in (same tenant, channel
 * and thread), so a forged submit cannot stop someone else's answer.
 */
export async function handleStopSubmit(rt: Runtime, ctx: TurnContext, jobId: string): Promise<void> {
  const key = teamsConversationKey(ctx.activity);
  const job = await rt.queues.inference.getJob(jobId);
  const jobKey = (job?.data as { key?: { platform?: string; tenant?: string; channel?: string; thread?: string } } | undefined)?.key;
  const same = jobKey?.platform === 'teams' && jobKey.tenant === key.tenant && jobKey.channel === key.channel && jobKey.thread === key.thread;
  rt.metrics.eventsReceived.inc({ platform: 'teams', kind: same ? 'stop' : 'stop_rejected' });
  if (!same) {
    rt.log.warn({ jobId }, 'teams stop ignored: no such job in this conversation');
    return;
  }
  await requestCancel(rt.redis, rt.cfg.QUEUE_PREFIX, jobId);
  rt.log.info({ jobId }, 'teams answer stopped by the user');
}
