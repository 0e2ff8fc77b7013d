import type { SlashCommand } from '@slack/bolt';
import { checkAccess, type AccessResult, type ChatPlatform, type PolicyCommand, type Runtime } from '../../src/index.js';

/**
 * The core's access policy for a Slack slash command (these skip the question queue: the answer is
 * the ack itself). A refusal is answered privately by the caller, in the ack.
 */
export function slackCommandAccess(rt: Runtime, platform: ChatPlatform, command: SlashCommand, name: PolicyCommand): Promise<AccessResult> {
  return checkAccess(rt, platform, {
    platform: 'slack',
    tenant: command.team_id,
    enterprise: command.enterprise_id || undefined,
    channel: command.channel_id,
    // DMs with the bot (and other DMs) have D… ids; Slack names them `directmessage`.
    dm: command.channel_name === 'directmessage' || command.channel_id.startsWith('D'),
    userId: command.user_id,
    command: name,
  });
}
