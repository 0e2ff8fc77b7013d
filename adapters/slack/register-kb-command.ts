import type { App } from '@slack/bolt';
import { handleKbCommand, type ChatPlatform, type Runtime } from '../../src/index.js';
import { slackCommandAccess } from './command-access.js';

/** Shown when the command itself failed (database down): private, and says nothing changed for sure. */
export const KB_FAILED_TEXT = 'Sorry, `/kb` failed on the server; please try again. If it keeps failing, ask an admin to check the logs.';

/**
 * `/kb list|attach|detach|web` as a Slack slash command. The answer goes back in the ack itself
 * (within Slack's 3 s): `ephemeral` for refusals, lists and errors, `in_channel` for changes, so
 * the channel sees who changed its knowledge. Bindings are keyed by team id + channel id.
 */
export function registerKbCommand(app: App, rt: Runtime, platform: ChatPlatform): void {
  app.command('/kb', async ({ command, ack }) => {
    rt.metrics.eventsReceived.inc({ platform: 'slack', kind: 'kb_command' });
    try {
      const access = await slackCommandAccess(rt, platform, command, 'kb');
      if (!access.ok) {
        await ack({ response_type: 'ephemeral', text: access.text });
        return;
      }
      const res = await handleKbCommand(
        { db: rt.db, adminUsers: rt.cfg.ADMIN_USERS, webSearchConfigured: Boolean(rt.cfg.WEB_SEARCH_URL) },
        { key: { platform: 'slack', tenant: command.team_id, channel: command.channel_id }, userId: command.user_id, args: command.text ?? '' },
      );
      await ack({ response_type: res.ephemeral ? 'ephemeral' : 'in_channel', text: res.text });
      rt.log.info({ channel: command.channel_id, user: command.user_id, sub: (command.text ?? '').trim().split(/\s+/)[0] ?? '', ephemeral: res.ephemeral }, 'kb command');
    } catch (e) {
      rt.metrics.errors.inc({ kind: 'kb_command' });
      rt.log.error({ err: (e as Error).message, channel: command.channel_id }, 'kb command failed');
      await ack({ response_type: 'ephemeral', text: KB_FAILED_TEXT });
    }
  });
}
