import type { TurnContext } from 'botbuilder';

/** The shape we reach into: botbuilder-stdlib's ServiceClientContext wraps an `@azure/core-client` ServiceClient. */
interface WithPipeline {
  client?: { pipeline?: { removePolicy(options: { phase: 'Retry' }): unknown } };
}

/**
 * Removes the Azure pipeline's retry policy from this turn's ConnectorClient. `@azure/core-rest-pipeline`'s
 * default policy retries 5xx, network errors and 429 by itself, below our code: a 500 returned after
 * Teams stored an activity was posted again (two activities). Our own loop (`withConnectorRetry`)
 * decides instead: edits are retried, posts are not, a 429 delays the job.
 *
 * CloudAdapter builds a new ConnectorClient for every `continueConversationAsync`, so this runs in
 * each proactive turn, before the first connector call.
 */
export function disableConnectorRetries(ctx: TurnContext): void {
  const cc = ctx.turnState.get(ctx.adapter.ConnectorClientKey) as WithPipeline | undefined;
  cc?.client?.pipeline?.removePolicy({ phase: 'Retry' });
}
