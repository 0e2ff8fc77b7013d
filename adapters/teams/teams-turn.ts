import { TurnContext, type Activity } from 'botbuilder';
import {
  admitQuestion, checkAccess, findAsset, getDiagnosis, handleDiagnoseCommand, handleKbCommand, recordCorrection, recordDiagnosisFeedback, recordOutcome, recordVote,
  type ChatPlatform, type Runtime,
} from '../../src/index.js';
import { mentionsBot, teamsActivityToJob, teamsActivityToQuestion, teamsConversationKey } from './activity-to-job.js';
import { handleStopSubmit } from './live/stop-action.js';
import { STOP_SUBMIT_KIND } from './live/live-card.js';
import { IMAGE_DIAGNOSE_SUBMIT } from './answer-card.js';
import { CORRECTION_SUBMIT_KIND, correctionCard } from './correction-card.js';


interface FeedbackValue {
  r1?: string;
  messageId?: string;
  value?: string;
  diagnosisId?: string;
  action?: string;
  jobId?: string;
  correction?: string;
  /** `/diagnose` arguments of the Diagnose action (`P-101 E-214`). */
  args?: string;
}

/**
 * One Teams turn: feedback submissions are stored; messages addressed to the bot become questions
 * on the core's one admission path. The turn ends once the question is durably queued (a failure
 * throws: botbuilder answers 500 and the channel retries); the answer is posted later, proactively.
 */
export async function handleTeamsTurn(rt: Runtime, ctx: TurnContext, platform: ChatPlatform): Promise<void> {
  const a = ctx.activity as Activity;
  const { cfg, metrics } = rt;
  if (a.type !== 'message') return;
  const fb = a.value as FeedbackValue | undefined;
  if (fb?.r1 === 'feedback' && fb.messageId && (fb.value === 'up' || fb.value === 'down')) {
    metrics.eventsReceived.inc({ platform: 'teams', kind: 'feedback' });
    const from = { messageId: String(fb.messageId), platform: 'teams' as const, tenant: teamsConversationKey(a).tenant, userId: a.from?.aadObjectId ?? a.from?.id ?? 'unknown' };
    const res = await recordVote({ db: rt.db, metrics }, from, fb.value);
    // A 👎 asks what would have been right (a card with an input, answered in this conversation).
    if (res.ok && fb.value === 'down') await ctx.sendActivity({ attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: correctionCard(from.messageId) }] });
    return;
  }
  if (fb?.r1 === CORRECTION_SUBMIT_KIND && fb.messageId) {
    metrics.eventsReceived.inc({ platform: 'teams', kind: 'correction' });
    const from = { messageId: String(fb.messageId), platform: 'teams' as const, tenant: teamsConversationKey(a).tenant, userId: a.from?.aadObjectId ?? a.from?.id ?? 'unknown' };
    const res = await recordCorrection({ db: rt.db, metrics }, from, String(fb.correction ?? ''));
    await ctx.sendActivity(res.ok ? 'Thanks — your correction is saved with the answer.'
      : res.reason === 'empty' ? 'The correction was empty, so nothing was saved.'
        : res.reason === 'too_long' ? 'That correction is too long; please shorten it.'
          : 'I cannot find this answer any more, so the correction was not saved.');
    return;
  }
  if (fb?.r1 === STOP_SUBMIT_KIND && fb.jobId) {
    await handleStopSubmit(rt, ctx, String(fb.jobId));
    return;
  }
  if (fb?.r1 === IMAGE_DIAGNOSE_SUBMIT && typeof fb.args === 'string' && fb.args) {
    // The Diagnose action under an answer to a picture: /diagnose through the one admission path, in this reply chain.
    const base = teamsActivityToQuestion(a, TurnContext.getConversationReference(a));
    await admitQuestion(rt, platform, { ...base, text: '', images: undefined, command: { name: 'diagnose', args: fb.args } }, { kind: 'diagnose_action' });
    return;
  }
  if (fb?.r1 === 'diagnosis' && fb.diagnosisId) {
    await handleDiagnosisAction(rt, ctx, String(fb.diagnosisId), String(fb.action ?? ''));
    return;
  }
  const type = a.conversation?.conversationType;
  // In channels and group chats the bot answers only when @mentioned; in a personal chat, always.
  if (type !== 'personal' && !mentionsBot(a)) return;
  const key = teamsConversationKey(a);
  const ref = TurnContext.getConversationReference(a);
  const question = teamsActivityToQuestion(a, ref);
  const text = question.text.trim();
  const diag = /^diagnose(?:\s+([\s\S]*))?$/i.exec(text);
  const kb = /^kb(?:\s+([\s\S]*))?$/i.exec(text);
  if (diag || kb) {
    // Bot commands skip the question queue: the access policy is checked here, as admission does for questions.
    const access = await checkAccess(rt, platform, {
      platform: 'teams', tenant: key.tenant, channel: key.channel, dm: type === 'personal', userId: question.user.id, command: diag ? 'diagnose' : 'kb',
    }, key);
    if (!access.ok) {
      if (access.notify) await ctx.sendActivity(access.text);
      return;
    }
  }
  if (diag) {
    await handleDiagnose(rt, ctx, key, question.user.id, diag[1] ?? '');
    return;
  }
  if (kb) {
    // `kb list|attach|detach …` as a bot command (Teams has no slash commands); bindings by tenant + channel id.
    metrics.eventsReceived.inc({ platform: 'teams', kind: 'kb_command' });
    const res = await handleKbCommand(
      { db: rt.db, adminUsers: cfg.ADMIN_USERS, webSearchConfigured: Boolean(cfg.WEB_SEARCH_URL) },
      { key: { platform: 'teams', tenant: key.tenant, channel: key.channel }, userId: question.user.id, args: kb[1] ?? '' },
    );
    await ctx.sendActivity(res.text);
    return;
  }
  await admitQuestion(rt, platform, question, { kind: type ?? 'message' });
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
