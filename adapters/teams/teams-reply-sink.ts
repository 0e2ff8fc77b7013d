import type { CloudAdapter, ConversationReference } from 'botbuilder';
import { diagnosisViewSchema, STRUCTURED_DIAGNOSIS, type LiveStateStore, type Logger, type OutgoingReply, type ReplyRef, type ReplySink } from '../../src/index.js';
import { splitMessage } from '../shared/split-message.js';
import { AI_GENERATED_ENTITY, answerCard } from './answer-card.js';
import { renderDiagnosisCard } from './render-diagnosis-card.js';
import { AmbiguousPostError, withConnectorRetry } from './connector-retry.js';
import { disableConnectorRetries } from './no-connector-retries.js';
import { teamsConnector } from './live/connector.js';
import { deliverLive } from './live/deliver-live.js';
import { isTeamsLiveState, type TeamsLiveState } from './live/teams-live-state.js';

/** Teams accepts messages up to ~28 KB; keep each card's text well under it (JSON overhead, reasoning). */
export const TEAMS_PART_MAX_CHARS = 12_000;

/** How far a Teams delivery got, kept in the message log's reply ref (see `OutgoingReply.recordProgress`). */
interface TeamsProgress {
  conversationId?: string;
  /** Activity ids of the parts posted, in order. */
  activityIds: string[];
  /** Parts settled (posted, or posted with an unknown outcome): the next attempt starts here. */
  partsDone: number;
  /** Parts whose post ended in a 5xx: maybe shown, never posted again. */
  uncertainParts: number[];
}

/**
 * Posts answers proactively (the turn that asked has long ended) into the conversation reference
 * the adapter stored with the job: the reply chain for channel posts, the chat otherwise.
 *
 * Exactly once, as far as Teams allows: each part's activity id is recorded in the message log
 * right after its post and before anything can retry it, so a retried delivery continues after
 * the posted parts. A post answered 5xx is never retried (Teams may have stored it, and gives a bot
 * no way to look up its own earlier posts): that part is recorded as uncertain and skipped.
 * Windows that remain: a 5xx returned *without* storing loses that part (at most once), and a crash
 * between Teams storing a part and our recording it posts that part again (at least once).
 */
export class TeamsReplySink implements ReplySink<TeamsLiveState> {
  readonly platform = 'teams' as const;
  /** `liveStore` opens a job's live state, where the delivery records the follow-ups it posted. */
  constructor(private readonly adapter: CloudAdapter, private readonly appId: string, private readonly liveStore?: (jobId: string) => LiveStateStore<TeamsLiveState>, private readonly log?: Logger) {}

  async deliver(r: OutgoingReply<TeamsLiveState>): Promise<ReplyRef> {
    const reference = r.reply.reference as Partial<ConversationReference>;
    const body = r.status === 'failed' ? (r.error ?? 'Sorry, something went wrong.') : (r.answer.trim() || '_(the model returned an empty answer)_') + (r.status === 'stopped' ? '\n\n_(stopped)_' : '');
    const diagnosis = r.structured?.kind === STRUCTURED_DIAGNOSIS ? diagnosisViewSchema.parse(r.structured.data) : null;
    if (!diagnosis && isTeamsLiveState(r.live)) {
      // Shown live: replace the streamed or card text with the final answer, never post a copy.
      const store = this.liveStore?.(r.live.jobId);
      return deliverLive({
        connector: teamsConnector(this.adapter, this.appId, reference),
        conversationId: reference.conversation?.id,
        maxChars: TEAMS_PART_MAX_CHARS,
        save: async (st) => store?.set(st),
      }, r, r.live, liveBody(r));
    }
    const parts = diagnosis ? [body] : splitMessage(body, TEAMS_PART_MAX_CHARS);
    const conversationId = reference.conversation?.id;
    const prior = r.progress as Partial<TeamsProgress> | null | undefined;
    const progress: TeamsProgress = prior && prior.conversationId === conversationId && Array.isArray(prior.activityIds)
      ? { conversationId, activityIds: [...prior.activityIds], partsDone: Number(prior.partsDone ?? prior.activityIds.length), uncertainParts: [...(prior.uncertainParts ?? [])] }
      : { conversationId, activityIds: [], partsDone: 0, uncertainParts: [] };
    const ids = progress.activityIds;
    for (const [i, text] of parts.entries()) {
      if (i < progress.partsDone) continue;
      const activity = {
        type: 'message',
        attachments: [{
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: diagnosis ? renderDiagnosisCard(diagnosis, { errorText: r.error }) : answerCard(r, { text, first: i === 0 }),
        }],
        entities: [AI_GENERATED_ENTITY],
        channelData: { feedbackLoopEnabled: false },
      };
      try {
        await withConnectorRetry(() =>
          this.adapter.continueConversationAsync(this.appId, reference, async (ctx) => {
            // Clear the continuation id so the post is a plain sendToConversation into the chain.
            (ctx.activity as { id?: string }).id = undefined;
            disableConnectorRetries(ctx);
            const res = await ctx.sendActivity(activity);
            if (res?.id) ids.push(res.id);
          }),
        { operation: 'post' });
      } catch (e) {
        if (!(e instanceof AmbiguousPostError)) throw e;
        // Maybe stored: posting again could show it twice, and Teams cannot tell us. Skip it.
        progress.uncertainParts.push(i);
        this.log?.warn({ messageId: r.messageId, part: i, status: e.statusCode }, 'teams post failed after it may have been stored: not posted again');
      }
      progress.partsDone = i + 1;
      await r.recordProgress?.({ ...progress });
    }
    return { ...progress };
  }
}

/** The final text of a live answer: the streamed text stays its prefix (Teams rejects a final that changes streamed text). */
function liveBody(r: OutgoingReply<TeamsLiveState>): string {
  if (r.status === 'failed') return r.error ?? 'Sorry, something went wrong.';
  const answer = r.answer.trimEnd();
  if (r.status === 'stopped') return answer ? `${answer}\n\n_(stopped)_` : '⏹ _(stopped before answering)_';
  return answer || '_(the model returned an empty answer)_';
}
