import type { App } from '@slack/bolt';
import {
  createDiagnosis, diagnosisHistory, enqueueInference, parseDiagnoseCommand, setDiagnosisFeedback, setDiagnosisOutcome, getDiagnosis,
  validateDiagnoseRequest, type Runtime,
} from '../../src/index.js';
import { DIAG_ACTIONS } from './diagnosis-blocks.js';

/**
 * `/diagnose <asset> <fault code or symptom>` and `/diagnose history <asset>`. Validation happens
 * before anything is enqueued; the ack (within Slack's 3 s) is a private note with the queue
 * position. The delivery opens a thread for the diagnosis and posts the structured result there.
 */
export function registerDiagnoseCommand(app: App, rt: Runtime): void {
  const { cfg, db, metrics } = rt;
  app.command('/diagnose', async ({ command, ack }) => {
    metrics.eventsReceived.inc({ platform: 'slack', kind: 'diagnose_command' });
    const cmd = parseDiagnoseCommand(command.text ?? '', cfg.QUESTION_MAX_CHARS);
    if (cmd.kind === 'error') return void (await ack({ response_type: 'ephemeral', text: cmd.message }));
    if (cmd.kind === 'history') {
      const rows = await diagnosisHistory(db, cmd.assetId);
      const text = rows.length
        ? [`*Recent diagnoses of ${cmd.assetId}*`, ...rows.map((r) => `• #${r.id} ${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')} — ${r.faultCode ?? ''} ${r.symptom.slice(0, 80)} → ${r.outcome ?? (r.status === 'done' ? 'open' : r.status)}${r.feedback ? ` (${r.feedback === 'up' ? '👍' : '👎'})` : ''}`)].join('\n')
        : `No diagnoses recorded for ${cmd.assetId} yet.`;
      return void (await ack({ response_type: 'ephemeral', text }));
    }
    const v = await validateDiagnoseRequest(db, cmd.assetId, cmd.rest);
    if (!v.ok) return void (await ack({ response_type: 'ephemeral', text: v.message }));
    const key = { platform: 'slack' as const, tenant: command.team_id, channel: command.channel_id, thread: '' };
    const diagnosisId = await createDiagnosis(db, { assetId: v.asset.id, faultCode: v.fault?.code ?? null, symptom: v.symptom, key: { ...key, thread: 'new' }, requestedBy: command.user_id });
    key.thread = `diagnosis-${diagnosisId}`;
    const res = await enqueueInference(rt.queues.inference, {
      v: 1, kind: 'diagnose', key, user: { id: command.user_id, name: command.user_name },
      text: `diagnose ${v.asset.id} ${v.fault?.code ?? ''} ${v.symptom}`.replace(/\s+/g, ' ').trim(),
      source: { eventId: `diagnose/${diagnosisId}`, receivedAt: Date.now() },
      reply: { channel: command.channel_id, diagnosisId, requestedBy: command.user_id },
      diagnosis: { diagnosisId },
    }, { attempts: cfg.JOB_ATTEMPTS });
    const ahead = (await rt.queues.inference.getJobCounts('prioritized', 'active', 'waiting'));
    const position = Math.max(1, (ahead.active ?? 0) + 1);
    await ack({ response_type: 'ephemeral', text: `🔧 Diagnosis #${diagnosisId} for *${v.asset.id}* (${v.asset.name}) is queued — position ${position}. The result will open a thread in this channel.` });
    metrics.eventsAcked.inc({ platform: 'slack', kind: 'diagnose_command', outcome: res.duplicate ? 'duplicate' : 'enqueued' });
  });

  const outcome = (value: 'resolved' | 'escalated') => async ({ ack, action, body, client }: any) => {
    await ack();
    const id = String(action.value);
    await setDiagnosisOutcome(db, id, value, body.user.id);
    const d = await getDiagnosis(db, id);
    const channel = body.channel?.id;
    const thread_ts = body.message?.thread_ts ?? body.message?.ts;
    if (!channel || !thread_ts) return;
    const text = value === 'resolved'
      ? `✅ <@${body.user.id}> marked diagnosis #${id} as resolved.`
      : `🚨 <@${body.user.id}> reports diagnosis #${id} did not resolve it — escalating to ${d?.result?.asset.oncall ?? 'the on-call engineer'}.`;
    await client.chat.postMessage({ channel, thread_ts, text });
  };
  const feedback = (value: 'up' | 'down') => async ({ ack, action }: any) => {
    await ack();
    await setDiagnosisFeedback(db, String(action.value), value);
  };
  app.action(DIAG_ACTIONS.resolved, outcome('resolved'));
  app.action(DIAG_ACTIONS.escalate, outcome('escalated'));
  app.action(DIAG_ACTIONS.up, feedback('up'));
  app.action(DIAG_ACTIONS.down, feedback('down'));
}
