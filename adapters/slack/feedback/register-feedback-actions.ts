import type { App, BlockAction, ViewSubmitAction } from '@slack/bolt';
import { recordCorrection, recordVote, type Runtime } from '../../../src/index.js';
import {
  CORRECTION_BLOCK_ID, CORRECTION_CALLBACK_ID, CORRECTION_INPUT_ID, FEEDBACK_ACTION_RE, correctionModal, parseCorrectionTarget, parseFeedbackValue,
} from './feedback-blocks.js';

/**
 * 👍/👎 under chat answers (Slack's feedback element or the plain-button fallback) record the
 * user's vote through the core (`recordVote`: one vote per user per answer, the last counts, only
 * on an answer of this workspace). A 👎 opens "What would have been right?" (`views.open` with the
 * click's trigger id); its `view_submission` stores the correction with the answer.
 */
export function registerFeedbackActions(app: App, rt: Runtime): void {
  const { db, log, metrics } = rt;
  app.action<BlockAction>({ action_id: FEEDBACK_ACTION_RE }, async ({ ack, body, action, client }) => {
    await ack();
    const parsed = parseFeedbackValue((action as { value?: string }).value);
    const channel = body.channel?.id ?? body.container?.channel_id as string | undefined;
    if (!parsed || !channel) return;
    const user = body.user.id;
    const threadTs = (body.message?.thread_ts as string | undefined) ?? body.message?.ts ?? (body.container?.message_ts as string | undefined);
    const tell = (text: string) => client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text })
      .catch((e: Error) => log.debug({ err: e.message }, 'could not send the feedback notice'));
    const res = await recordVote({ db, metrics }, { messageId: parsed.messageId, platform: 'slack', tenant: body.team?.id, userId: user }, parsed.vote);
    if (!res.ok) {
      await tell('I cannot find this answer any more, so the vote was not recorded.');
      return;
    }
    if (parsed.vote === 'up') {
      await tell('Thanks — your 👍 is recorded.');
      return;
    }
    // Within the trigger id's 3 s: the click was acknowledged and the vote stored in milliseconds.
    await client.views.open({ trigger_id: body.trigger_id, view: correctionModal({ messageId: parsed.messageId, channel, threadTs }) as never })
      .catch(async (e: Error) => {
        log.warn({ err: e.message }, 'could not open the correction modal');
        await tell('Thanks — your 👎 is recorded.');
      });
  });

  app.view<ViewSubmitAction>(CORRECTION_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const target = parseCorrectionTarget(view.private_metadata);
    const text = view.state.values[CORRECTION_BLOCK_ID]?.[CORRECTION_INPUT_ID]?.value ?? '';
    if (!target) {
      await ack();
      return;
    }
    const res = await recordCorrection({ db, metrics }, { messageId: target.messageId, platform: 'slack', tenant: body.team?.id ?? undefined, userId: body.user.id }, text);
    if (!res.ok && res.reason !== 'not_found') {
      // Shown under the input; the modal stays open.
      await ack({ response_action: 'errors', errors: { [CORRECTION_BLOCK_ID]: res.reason === 'empty' ? 'Please write what the right answer would have been.' : 'That is too long; please shorten it.' } });
      return;
    }
    await ack();
    await client.chat.postEphemeral({
      channel: target.channel, user: body.user.id, thread_ts: target.threadTs,
      text: res.ok ? 'Thanks — your correction is saved with the answer.' : 'I cannot find this answer any more, so the correction was not saved.',
    }).catch((e: Error) => log.debug({ err: e.message }, 'could not send the correction notice'));
  });
}
