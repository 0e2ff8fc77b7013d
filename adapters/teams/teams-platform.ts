import type { CloudAdapter, ConversationReference } from 'botbuilder';
import type { ChatPlatform, LiveSurfaceFactory, Question } from '../../src/index.js';
import type { TeamsReplyTarget } from './activity-to-job.js';
import type { TeamsReplySink } from './teams-reply-sink.js';
import type { TeamsLiveState } from './live/teams-live-state.js';

export const TEAMS_EMPTY_QUESTION = 'Ask me something after the mention, e.g. **@R1 why does pump P-101 cavitate at low flow?**';
export const teamsTooLong = (max: number) => `That message is too long for me (over ${max} characters). Please shorten it.`;

export interface TeamsPlatformOptions {
  adapter: CloudAdapter;
  appId: string;
  sink: TeamsReplySink;
  liveSurface?: LiveSurfaceFactory<TeamsLiveState>;
}

/**
 * Teams as the core sees it. Everything after admission runs after the turn has ended, so it
 * speaks proactively through the stored conversation reference (the reply chain in channels).
 * Teams has no ephemeral messages and gives bots no history API: notices are replies, and the
 * thread's earlier turns come from the message log.
 */
export function createTeamsPlatform(o: TeamsPlatformOptions): ChatPlatform<TeamsLiveState> {
  const send = (q: Question, activity: Parameters<import('botbuilder').TurnContext['sendActivity']>[0]) =>
    o.adapter.continueConversationAsync(o.appId, (q.reply as TeamsReplyTarget).reference as ConversationReference, async (ctx) => {
      await ctx.sendActivity(activity);
    });
  return {
    platform: 'teams',
    sink: o.sink,
    liveSurface: o.liveSurface,
    texts: { empty: TEAMS_EMPTY_QUESTION, tooLong: teamsTooLong },
    notify: (q, text) => send(q, text),
    showWorking: (q) => send(q, { type: 'typing' }),
  };
}
