import type { CloudAdapter, ConversationReference } from 'botbuilder';
import { diagnosisViewSchema, STRUCTURED_DIAGNOSIS, type LiveStateStore, type OutgoingReply, type ReplyRef, type ReplySink } from '../../src/index.js';
import { splitMessage } from '../shared/split-message.js';
import { AI_GENERATED_ENTITY, answerCard } from './answer-card.js';
import { renderDiagnosisCard } from './render-diagnosis-card.js';
import { withConnectorRetry } from './connector-retry.js';
import { teamsConnector } from './live/connector.js';
import { deliverLive } from './live/deliver-live.js';
import { isTeamsLiveState } from './live/teams-live-state.js';

/** Teams accepts messages up to ~28 KB; keep each card's text well under it (JSON overhead, reasoning). */
export const TEAMS_PART_MAX_CHARS = 12_000;

/**
 * Posts answers proactively (the turn that asked has long ended) into the conversation reference
 * the adapter stored with the job: the reply chain for channel posts, the chat otherwise.
 */
export class TeamsReplySink implements ReplySink {
  readonly platform = 'teams' as const;
  /** `liveStore` opens a job's live state, where the delivery records the follow-ups it posted. */
  constructor(private readonly adapter: CloudAdapter, private readonly appId: string, private readonly liveStore?: (jobId: string) => LiveStateStore) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
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
        save: async (st) => store?.set(st as unknown as Record<string, unknown>),
      }, r, r.live, liveBody(r));
    }
    const parts = diagnosis ? [body] : splitMessage(body, TEAMS_PART_MAX_CHARS);
    const ids: string[] = [];
    for (const [i, text] of parts.entries()) {
      const activity = {
        type: 'message',
        attachments: [{
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: diagnosis ? renderDiagnosisCard(diagnosis, { errorText: r.error }) : answerCard(r, { text, first: i === 0 }),
        }],
        entities: [AI_GENERATED_ENTITY],
        channelData: { feedbackLoopEnabled: false },
      };
      await withConnectorRetry(() =>
        this.adapter.continueConversationAsync(this.appId, reference, async (ctx) => {
          // Clear the continuation id so the post is a plain sendToConversation into the chain.
          (ctx.activity as { id?: string }).id = undefined;
          const res = await ctx.sendActivity(activity);
          if (res?.id) ids.push(res.id);
        }),
      );
    }
    return { conversationId: reference.conversation?.id, activityIds: ids };
  }
}

/** The final text of a live answer: the streamed text stays its prefix (Teams rejects a final that changes streamed text). */
function liveBody(r: OutgoingReply): string {
  if (r.status === 'failed') return r.error ?? 'Sorry, something went wrong.';
  const answer = r.answer.trimEnd();
  if (r.status === 'stopped') return answer ? `${answer}\n\n_(stopped)_` : '⏹ _(stopped before answering)_';
  return answer || '_(the model returned an empty answer)_';
}
