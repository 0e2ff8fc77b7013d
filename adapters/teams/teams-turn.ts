import { TurnContext, type Activity } from 'botbuilder';
import {
  checkRateLimit, claimEvent, enqueueInference, enqueueLiveRelay, findAsset, getDiagnosis, handleDiagnoseCommand, inferenceJobId, handleKbCommand, historyFromLog, listConversation,
  recordDiagnosisFeedback, recordFeedback, recordOutcome, withText, type Runtime,
} from '../../src/index.js';
import { mentionsBot, teamsActivityToJob, teamsConversationKey } from './activity-to-job.js';
import { handleStopSubmit } from './live/stop-action.js';
import { STOP_SUBMIT_KIND } from './live/live-card.js';

export const TEAMS_EMPTY_QUESTION = 'Ask me something after the mention, e.g. **@R1 why does pump P-101 cavitate at low flow?**';
export const teamsTooLong = (max: number) => `That message is too long for me (over ${max} characters). Please shorten it.`;

interface FeedbackValue {
  r1?: string;
  messageId?: string;
  value?: string;
  diagnosisId?: string;
  action?: string;
  jobId?: string;
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
  if (fb?.r1 === STOP_SUBMIT_KIND && fb.jobId) {
    await handleStopSubmit(rt, ctx, String(fb.jobId));
    return;
  }
  if (fb?.r1 === 'diagnosis' && fb.diagnosisId) {
    await handleDiagnosisAction(rt, ctx, String(fb.diagnosisId), String(fb.action ?? ''));
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
  const diag = /^diagnose(?:\s+([\s\S]*))?$/i.exec(draft.text);
  if (diag) {
    await handleDiagnose(rt, ctx, key, draft.user.id, diag[1] ?? '');
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
  if (!(await claimEvent(rt.redis, cfg.QUEUE_PREFIX, inferenceJobId('teams', key.tenant, draft.source.eventId)))) {
    metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: 'duplicate' });
    return;
  }
  const rl = await checkRateLimit(rt.redis, cfg.QUEUE_PREFIX, key, draft.user.id, { userPerMin: cfg.RATE_LIMIT_USER_PER_MIN, channelPerMin: cfg.RATE_LIMIT_CHANNEL_PER_MIN });
  if (!rl.ok) {
    await ctx.sendActivity(rl.message);
    metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: 'rate_limited' });
    return;
  }
  await ctx.sendActivity({ type: 'typing' }).catch(() => {});
  // Teams gives bots no history API: the reply chain's earlier turns come from the message log.
  const history = historyFromLog(await listConversation(rt.db, key, cfg.HISTORY_MAX_MESSAGES));
  const job = teamsActivityToJob(a, ref, history);
  // Live answers: the relay (any adapter replica) shows progress and streams the answer. Enqueued
  // first, so the final delivery always finds it (and waits for it) however fast the answer.
  if (cfg.LIVE_UPDATES) {
    const jobId = inferenceJobId('teams', key.tenant, job.source.eventId);
    await enqueueLiveRelay(rt.queues.liveFor('teams'), { v: 1, jobId, key: job.key, user: { id: job.user.id }, reply: job.reply ?? {} });
  }
  const res = await enqueueInference(rt.queues.inference, job, { attempts: cfg.JOB_ATTEMPTS, fair: rt.fair });
  metrics.ackSeconds.observe({ platform: 'teams' }, (performance.now() - t0) / 1000);
  metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: res.duplicate ? 'duplicate' : 'enqueued' });
  log.info(withText(log, { jobId: res.jobId, duplicate: res.duplicate, conversationType: type }, { text: job.text }), 'teams activity enqueued');
}

/**
 * `diagnose <asset> <code or symptom>` / `diagnose history <asset>` as a Teams bot command, through
 * the same platform-neutral handler as Slack's `/diagnose`. Teams has no ephemeral messages: the
 * answer goes to the conversation. The diagnosis is posted into this reply chain.
 */
async function handleDiagnose(rt: Runtime, ctx: TurnContext, key: ReturnType<typeof teamsConversationKey>, userId: string, args: string): Promise<void> {
  const { cfg, metrics } = rt;
  metrics.eventsReceived.inc({ platform: 'teams', kind: 'diagnose_command' });
  const draft = teamsActivityToJob(ctx.activity, TurnContext.getConversationReference(ctx.activity), []);
  const res = await handleDiagnoseCommand(
    { db: rt.db, queue: rt.queues.inference, maxChars: cfg.DIAGNOSIS_MAX_CHARS, historyLimit: cfg.DIAGNOSIS_HISTORY_LIMIT, attempts: cfg.JOB_ATTEMPTS, command: 'diagnose', resultWhere: 'The result will appear in this conversation.' },
    { key, userId, text: args, eventId: draft.source.eventId, reply: draft.reply ?? {} },
  );
  const outcome = res.kind === 'queued' ? (res.duplicate ? 'duplicate' : 'enqueued') : res.kind === 'history' ? 'history' : 'rejected';
  metrics.eventsAcked.inc({ platform: 'teams', kind: 'diagnose_command', outcome });
  await ctx.sendActivity(res.text);
}

/** The diagnosis card's Action.Submit buttons: outcome (Resolved / Not resolved — escalate) and 👍/👎. */
async function handleDiagnosisAction(rt: Runtime, ctx: TurnContext, id: string, action: string): Promise<void> {
  const a = ctx.activity as Activity;
  const by = a.from?.aadObjectId ?? a.from?.id ?? 'unknown';
  const row = await getDiagnosis(rt.db, id);
  // A card only acts on a diagnosis of its own tenant.
  if (!row || row.platform !== 'teams' || row.tenant !== teamsConversationKey(a).tenant) return;
  if (action === 'up' || action === 'down') {
    await recordDiagnosisFeedback(rt.db, id, action, by);
    rt.metrics.diagnosisActions.inc({ action });
    return;
  }
  if (action !== 'resolved' && action !== 'escalate') return;
  const updated = await recordOutcome(rt.db, id, action === 'resolved' ? 'resolved' : 'escalated', by);
  if (!updated) return;
  rt.metrics.diagnosisActions.inc({ action: updated.outcome! });
  const who = a.from?.name ?? 'Someone';
  if (action === 'resolved') {
    await ctx.sendActivity(`✅ ${who} marked diagnosis #${id} of ${row.assetId} resolved. It is saved as a labelled example.`);
    return;
  }
  const oncall = (await findAsset(rt.db, row.assetId))?.oncall ?? row.result?.asset.oncall ?? null;
  await ctx.sendActivity(oncall
    ? `🚨 Not resolved — ${who} is escalating diagnosis #${id} of ${row.assetId} to ${oncall} (on-call).`
    : `🚨 Not resolved — ${who} is escalating diagnosis #${id} of ${row.assetId}, but no on-call group is registered for it.`);
}
