import type { App, BlockButtonAction } from '@slack/bolt';
import {
  findAsset, getDiagnosis, recordDiagnosisFeedback, recordOutcome, toDiagnosisView, type DiagnosisRow, type Runtime,
} from '../../../src/index.js';
import { DIAGNOSIS_ACTION_RE, DIAGNOSIS_ACTIONS, diagnosisBlocks, slackOncallMention } from './diagnosis-blocks.js';

/**
 * The buttons under a diagnosis: "Resolved" and "Not resolved — escalate" record the outcome
 * (a resolved diagnosis becomes a labelled example), say so in the thread and mark the message;
 * escalating mentions the asset's on-call group. 👍/👎 record feedback, acknowledged privately.
 */
export function registerDiagnosisActions(app: App, rt: Runtime): void {
  const { db, log, metrics } = rt;
  app.action<BlockButtonAction>(DIAGNOSIS_ACTION_RE, async ({ ack, body, action, client }) => {
    await ack();
    const id = action.value ?? '';
    const user = body.user.id;
    const channel = body.channel?.id ?? body.container?.channel_id;
    const messageTs: string | undefined = body.message?.ts ?? body.container?.message_ts;
    const threadTs: string | undefined = (body.message?.thread_ts as string | undefined) ?? messageTs;
    if (!channel) return;
    const tell = (text: string) => client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text }).catch(() => {});
    const before = await getDiagnosis(db, id);
    // A button only acts on a diagnosis of its own workspace.
    const team = body.team?.id;
    if (!before || before.platform !== 'slack' || (team !== undefined && before.tenant !== team)) {
      await tell('I cannot find this diagnosis any more.');
      return;
    }
    const kind = action.action_id;
    if (kind === DIAGNOSIS_ACTIONS.up || kind === DIAGNOSIS_ACTIONS.down) {
      const value = kind === DIAGNOSIS_ACTIONS.up ? 'up' : 'down';
      await recordDiagnosisFeedback(db, id, value, user);
      metrics.diagnosisActions.inc({ action: value });
      await tell(value === 'up' ? 'Thanks — your 👍 is recorded with this diagnosis.' : 'Thanks — your 👎 is recorded with this diagnosis.');
      return;
    }
    const outcome = kind === DIAGNOSIS_ACTIONS.resolved ? 'resolved' : 'escalated';
    const row = await recordOutcome(db, id, outcome, user);
    if (!row) return;
    metrics.diagnosisActions.inc({ action: outcome });
    log.info({ diagnosisId: id, outcome, channel }, 'diagnosis outcome recorded');
    await client.chat.postMessage({ channel, thread_ts: threadTs, text: await outcomeText(rt, row, user), unfurl_links: false });
    if (messageTs) {
      const view = toDiagnosisView(row);
      await client.chat.update({ channel, ts: messageTs, text: view.title, blocks: diagnosisBlocks(view) }).catch((e: Error) => log.warn({ err: e.message }, 'could not update the diagnosis message'));
    }
  });
}

async function outcomeText(rt: Runtime, row: DiagnosisRow, user: string): Promise<string> {
  if (row.outcome === 'resolved') {
    return `:white_check_mark: <@${user}> marked diagnosis #${row.id} of ${row.assetId} *resolved*. It is saved as a labelled example.`;
  }
  // The registry's current on-call group (it may have changed since the diagnosis), else the one it had.
  const oncall = (await findAsset(rt.db, row.assetId))?.oncall ?? row.result?.asset.oncall ?? null;
  const who = slackOncallMention(oncall);
  return who
    ? `:rotating_light: Not resolved — <@${user}> is escalating diagnosis #${row.id} of ${row.assetId} to ${who} (on-call). Please take over in this thread.`
    : `:rotating_light: Not resolved — <@${user}> is escalating diagnosis #${row.id} of ${row.assetId}, but no on-call group is registered for it. Add one with \`npm run assets -- import\`.`;
}
