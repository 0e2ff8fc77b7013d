import type { CloudAdapter, ConversationReference } from 'botbuilder';
import type { OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';
import { splitMessage } from '../shared/split-message.js';
import { AI_GENERATED_ENTITY, answerCard } from './answer-card.js';
import { diagnosisCard } from './diagnosis-card.js';
import type { DiagnosisResult } from '../../src/index.js';
import { withConnectorRetry } from './connector-retry.js';

/** Teams accepts messages up to ~28 KB; keep each card's text well under it (JSON overhead, reasoning). */
export const TEAMS_PART_MAX_CHARS = 12_000;

/**
 * Posts answers proactively (the turn that asked has long ended) into the conversation reference
 * the adapter stored with the job: the reply chain for channel posts, the chat otherwise.
 */
export class TeamsReplySink implements ReplySink {
  readonly platform = 'teams' as const;
  constructor(private readonly adapter: CloudAdapter, private readonly appId: string) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    const reference = r.reply.reference as Partial<ConversationReference>;
    const body = r.status === 'failed' ? (r.error ?? 'Sorry, something went wrong.') : (r.answer.trim() || '_(the model returned an empty answer)_') + (r.status === 'stopped' ? '\n\n_(stopped)_' : '');
    const parts = r.structured?.kind === 'diagnosis' ? [body] : splitMessage(body, TEAMS_PART_MAX_CHARS);
    const ids: string[] = [];
    for (const [i, text] of parts.entries()) {
      const activity = {
        type: 'message',
        attachments: [{
          contentType: 'application/vnd.microsoft.card.adaptive',
          content: r.structured?.kind === 'diagnosis' && i === 0 ? diagnosisCard(r.structured.data as DiagnosisResult) : answerCard(r, { text, first: i === 0 }),
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
