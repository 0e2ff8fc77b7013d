import type { CloudAdapter, ConversationReference } from 'botbuilder';
import { fetchCapped, ImageFetchError, type ChatPlatform, type LiveSurfaceFactory, type Question } from '../../src/index.js';
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
  /** The bot's outbound token (client credentials), for inline images under the service URL; absent: those are refused. */
  botToken?: () => Promise<string>;
  /** IMAGE_FETCH_TIMEOUT_MS. */
  fetchTimeoutMs?: number;
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
    async fetchImage(q, source, { maxBytes, label }) {
      if (source.kind !== 'teams') throw new ImageFetchError(`not a Teams attachment: ${source.kind}`, `${label} is not a Teams attachment`);
      const timeoutMs = o.fetchTimeoutMs ?? 30_000;
      // A personal-chat file: Teams' pre-authorised link (short-lived, no token of ours).
      if (!source.auth) return fetchCapped(source.url, { maxBytes, timeoutMs, label, refusedHint: 'the link Teams gave for it may have expired; please send the file again' });
      // The bot's token goes only to the conversation's own service (where Teams keeps pasted pictures).
      const serviceUrl = (q.reply as TeamsReplyTarget).reference.serviceUrl;
      if (!serviceUrl || new URL(source.url).origin !== new URL(serviceUrl).origin || !o.botToken) {
        throw new ImageFetchError(`attachment outside the service URL: ${source.url}`, `${label} could not be downloaded (it is not stored by this Teams service)`);
      }
      return fetchCapped(source.url, {
        headers: { authorization: `Bearer ${await o.botToken()}` }, maxBytes, timeoutMs, label,
        refusedHint: "Teams did not accept the bot's sign-in for it; an administrator needs to check the bot's app registration (MicrosoftAppId, MicrosoftAppPassword, tenant)",
      });
    },
    showWorking: (q) => send(q, { type: 'typing' }),
  };
}
