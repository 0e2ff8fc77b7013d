import type { App, BlockButtonAction } from '@slack/bolt';
import { admitQuestion, type ChatPlatform, type Runtime } from '../../src/index.js';
import { IMAGE_DIAGNOSE_ACTION_RE } from './image-blocks.js';
import type { SlackReplyTarget } from './slack-platform.js';

/**
 * The Diagnose button under an answer to a question with a picture: it starts `/diagnose <asset>
 * <code>` in the same thread, through the core's one admission path (command `diagnose`); the
 * queue note comes privately, the diagnosis in the thread. Each press is one request (the
 * interaction's trigger id is the event id).
 */
export function registerImageActions(app: App, rt: Runtime, platform: ChatPlatform): void {
  app.action<BlockButtonAction>(IMAGE_DIAGNOSE_ACTION_RE, async ({ ack, body, action }) => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const messageTs: string | undefined = body.message?.ts ?? body.container?.message_ts;
    const threadTs = (body.message?.thread_ts as string | undefined) ?? messageTs;
    const args = action.value ?? '';
    if (!channel || !threadTs || !args) return;
    const team = body.team?.id ?? body.user.team_id ?? 'unknown';
    const reply: SlackReplyTarget = { channel, thread_ts: threadTs, message_ts: messageTs ?? threadTs, requested_by: body.user.id };
    await admitQuestion(rt, platform, {
      v: 1,
      key: { platform: 'slack', tenant: team, channel, thread: threadTs },
      user: { id: body.user.id },
      text: '',
      eventId: `diagnose-button/${body.trigger_id}`,
      receivedAt: Date.now(),
      reply,
      command: { name: 'diagnose', args },
    }, { kind: 'diagnose_button' });
  });
}
