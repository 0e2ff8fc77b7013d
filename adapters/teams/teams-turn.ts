import { TurnContext, type Activity } from 'botbuilder';
import {
  checkRateLimit, claimEvent, createDiagnosis, enqueueInference, inferenceJobId, handleKbCommand, historyFromLog, listConversation, parseDiagnoseCommand, recordFeedback, setDiagnosisFeedback,
  setDiagnosisOutcome, diagnosisHistory, validateDiagnoseRequest, withText, type Runtime,
} from '../../src/index.js';
import { mentionsBot, teamsActivityToJob, teamsConversationKey } from './activity-to-job.js';

export const TEAMS_EMPTY_QUESTION = 'Ask me something after the mention, e.g. **@R1 why does pump P-101 cavitate at low flow?**';
export const teamsTooLong = (max: number) => `That message is too long for me (over ${max} characters). Please shorten it.`;

interface FeedbackValue {
  r1?: string;
  messageId?: string;
  value?: string;
  diagnosisId?: string;
  action?: string;
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
  if (fb?.r1 === 'diagnosis' && fb.diagnosisId) {
    const by = a.from?.aadObjectId ?? a.from?.id ?? 'unknown';
    if (fb.action === 'resolved' || fb.action === 'escalated') {
      await setDiagnosisOutcome(rt.db, String(fb.diagnosisId), fb.action, by);
      await ctx.sendActivity(fb.action === 'resolved' ? `✅ Diagnosis #${fb.diagnosisId} marked as resolved.` : `🚨 Diagnosis #${fb.diagnosisId} did not resolve the fault — escalating to the asset's on-call group.`);
    } else if (fb.action === 'up' || fb.action === 'down') await setDiagnosisFeedback(rt.db, String(fb.diagnosisId), fb.action);
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
  const res = await enqueueInference(rt.queues.inference, job, { attempts: cfg.JOB_ATTEMPTS, fair: rt.fair });
  metrics.ackSeconds.observe({ platform: 'teams' }, (performance.now() - t0) / 1000);
  metrics.eventsAcked.inc({ platform: 'teams', kind: 'message', outcome: res.duplicate ? 'duplicate' : 'enqueued' });
  log.info(withText(log, { jobId: res.jobId, duplicate: res.duplicate, conversationType: type }, { text: job.text }), 'teams activity enqueued');
}

/** `diagnose <asset> <code or symptom>` / `diagnose history <asset>` as a Teams bot command. */
async function handleDiagnose(rt: Runtime, ctx: TurnContext, key: ReturnType<typeof teamsConversationKey>, userId: string, args: string): Promise<void> {
  const cmd = parseDiagnoseCommand(args, rt.cfg.QUESTION_MAX_CHARS);
  if (cmd.kind === 'error') return void (await ctx.sendActivity(cmd.message.replaceAll('/diagnose', 'diagnose')));
  if (cmd.kind === 'history') {
    const rows = await diagnosisHistory(rt.db, cmd.assetId);
    await ctx.sendActivity(rows.length ? [`**Recent diagnoses of ${cmd.assetId}**`, ...rows.map((r) => `- #${r.id} ${r.faultCode ?? ''} ${r.symptom.slice(0, 80)} → ${r.outcome ?? r.status}`)].join('\n') : `No diagnoses recorded for ${cmd.assetId} yet.`);
    return;
  }
  const v = await validateDiagnoseRequest(rt.db, cmd.assetId, cmd.rest);
  if (!v.ok) return void (await ctx.sendActivity(v.message));
  const diagnosisId = await createDiagnosis(rt.db, { assetId: v.asset.id, faultCode: v.fault?.code ?? null, symptom: v.symptom, key, requestedBy: userId });
  const ref = TurnContext.getConversationReference(ctx.activity);
  const job = teamsActivityToJob(ctx.activity, ref, []);
  await enqueueInference(rt.queues.inference, {
    ...job, kind: 'diagnose', text: `diagnose ${v.asset.id} ${v.fault?.code ?? ''} ${v.symptom}`.replace(/\s+/g, ' ').trim(),
    reply: { ...job.reply, diagnosisId }, diagnosis: { diagnosisId },
  }, { attempts: rt.cfg.JOB_ATTEMPTS, fair: rt.fair });
  await ctx.sendActivity(`🔧 Diagnosis #${diagnosisId} for **${v.asset.id}** (${v.asset.name}) is queued; the result will appear here.`);
}
