import { TurnContext, type Activity } from 'botbuilder';
import { enqueueInference, handleKbCommand, historyFromLog, listConversation, recordFeedback, withText, type Runtime } from '../../src/index.js';
import { mentionsBot, teamsActivityToJob, teamsConversationKey } from './activity-to-job.js';

export const TEAMS_EMPTY_QUESTION = 'Ask me something after the mention, e.g. **@R1 why does pump P-101 cavitate at low flow?**';
export const teamsTooLong = (max: number) => `That message is too long for me (over ${max} characters). Please shorten it.`;

interface FeedbackValue {
  r1?: string;
  messageId?: string;
  value?: string;
}

/**
 * One Teams turn: feedback submissions are stored; messages addressed to the bot become jobs.
 * The turn only enqueues — the answer is posted later, proactively, by the delivery worker.
 */
export async function handleTeamsTurn(rt: Runtime, ctx: TurnContext): Promise<void> {
  const a = ctx.activity as Activity;
  const { cfg, log, metrics } = rt;
  if (a.type !== 'message') return;
  const fb = a.value as FeedbackValue | undefined;
  if (fb?.r1 === 'feedback' && fb.messageId && (fb.value === 'up' || fb.value === 'down')) {
    metrics.eventsReceived.inc({ platform: 'teams', kind: 'feedback' });
    await recordFeedback(rt.db, { messageId: String(fb.messageId), platform: 'teams', userId: a.from?.aadObjectId ?? a.from?.id ?? 'unknown', value: fb.value });
    return;
  }
  const type = a.conversation?.conversationType;
  // In channels and group chats the bot answers only when @mentioned; in a personal chat, always.
  if (type !== 'personal' && !mentionsBot(a)) return;
  const t0 = performance.now();
  metrics.eventsReceived.inc({ platform: 'teams', kind: type ?? 'message' });
  const key = teamsConversationKey(a);
  const ref = TurnContext.getConversationReference(a);
  const draft = teamsActivityToJob(a, ref, []);
  if (!draft.text) {
    await ctx.sendActivity(TEAMS_EMPTY_QUESTION);
    metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: 'rejected' });
    return;
  }
  const kb = /^kb(?:\s+([\s\S]*))?$/i.exec(draft.text);
  if (kb) {
    // `kb list|attach|detach …` as a bot command (Teams has no slash commands); bindings by tenant + channel id.
    metrics.eventsReceived.inc({ platform: 'teams', kind: 'kb_command' });
    const res = await handleKbCommand(
      { db: rt.db, adminUsers: cfg.ADMIN_USERS, webSearchConfigured: Boolean(cfg.WEB_SEARCH_URL) },
      { key: { platform: 'teams', tenant: key.tenant, channel: key.channel }, userId: draft.user.id, args: kb[1] ?? '' },
    );
    await ctx.sendActivity(res.text);
    return;
  }
  if (draft.text.length > cfg.QUESTION_MAX_CHARS) {
    await ctx.sendActivity(teamsTooLong(cfg.QUESTION_MAX_CHARS));
    metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: 'rejected' });
    return;
  }
  await ctx.sendActivity({ type: 'typing' }).catch(() => {});
  // Teams gives bots no history API: the reply chain's earlier turns come from the message log.
  const history = historyFromLog(await listConversation(rt.db, key, cfg.HISTORY_MAX_MESSAGES));
  const job = teamsActivityToJob(a, ref, history);
  const res = await enqueueInference(rt.queues.inference, job, { attempts: cfg.JOB_ATTEMPTS });
  metrics.ackSeconds.observe({ platform: 'teams' }, (performance.now() - t0) / 1000);
  metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: res.duplicate ? 'duplicate' : 'enqueued' });
  log.info(withText(log, { jobId: res.jobId, duplicate: res.duplicate, conversationType: type }, { text: job.text }), 'teams activity enqueued');
}
