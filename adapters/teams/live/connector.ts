import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { withConnectorRetry } from '../connector-retry.js';
import { disableConnectorRetries } from '../no-connector-retries.js';

/** Proactive connector calls into one conversation (the turn that asked has long ended). */
export interface TeamsConnector {
  /** POST /v3/conversations/{id}/activities; returns the new activity's id. */
  post(activity: Record<string, unknown>): Promise<string>;
  /** PUT /v3/conversations/{id}/activities/{activityId}. */
  update(activityId: string, activity: Record<string, unknown>): Promise<void>;
  delete(activityId: string): Promise<void>;
}

export function teamsConnector(adapter: CloudAdapter, appId: string, reference: Partial<ConversationReference>): TeamsConnector {
  // Posts are not retried on 5xx (the activity may be stored: see withConnectorRetry); edits are.
  const run = <T>(fn: (ctx: TurnContext) => Promise<T>, operation: 'post' | 'update' | 'delete' = 'post'): Promise<T> =>
    withConnectorRetry(async () => {
      let out: T | undefined;
      await adapter.continueConversationAsync(appId, reference, async (ctx) => {
        // Clear the continuation id so posts are plain sendToConversation calls, never replies.
        (ctx.activity as { id?: string }).id = undefined;
        disableConnectorRetries(ctx);
        out = await fn(ctx);
      });
      return out as T;
    }, { operation, idempotent: operation !== 'post' });
  return {
    post: (activity) => run(async (ctx) => String((await ctx.sendActivity(activity))?.id ?? '')),
    update: (activityId, activity) => run(async (ctx) => {
      await ctx.updateActivity({ ...activity, id: activityId });
    }, 'update'),
    delete: (activityId) => run((ctx) => ctx.deleteActivity(activityId), 'delete'),
  };
}

/** How Teams refused a streaming call (403 ContentStreamNotAllowed and its messages). */
export type StreamRefusal = 'cancelled' | 'expired' | 'not_allowed' | 'completed' | 'too_large' | 'other';

/** Classifies a connector error from a streaming call; null when it is not a stream refusal. */
export function streamRefusal(e: unknown): StreamRefusal | null {
  const err = e as { statusCode?: number; code?: string; message?: string; body?: unknown; response?: { bodyAsText?: string; parsedBody?: unknown } };
  if (err.statusCode !== 403 && !(err.statusCode === 400 && /stream/i.test(describe(err)))) return null;
  const text = describe(err).toLowerCase();
  if (text.includes('cancel')) return 'cancelled';
  if (text.includes('exceeded streaming time')) return 'expired';
  if (text.includes('already completed')) return 'completed';
  if (text.includes('size too large')) return 'too_large';
  if (text.includes('not allowed') || text.includes('not enabled')) return 'not_allowed';
  return 'other';
}

function describe(err: { code?: string; message?: string; body?: unknown; response?: { bodyAsText?: string; parsedBody?: unknown } }): string {
  const parts = [err.code, err.message, err.response?.bodyAsText];
  for (const b of [err.body, err.response?.parsedBody]) if (b !== undefined) parts.push(typeof b === 'string' ? b : JSON.stringify(b));
  return parts.filter(Boolean).join(' ');
}
