import type { WebClientOptions } from '@slack/web-api';

/**
 * Options for the Web API client Bolt builds (`App({ clientOptions })`).
 *
 * - `retryConfig: { retries: 0 }`: the client never retries on its own. A 5xx (or a timeout) can
 *   arrive after Slack stored the message; a blind retry below our look-up-before-post would post
 *   it twice (50 such 500s used to give 50 duplicate replies). The BullMQ job retries instead, and
 *   a retried delivery first looks for its own reply by its message metadata (see
 *   `SlackReplySink.findExisting`).
 * - `rejectRateLimitedCalls: true`: a 429 rejects the one call at once instead of pausing the
 *   client's shared request queue, which stalled every Slack call of the process (Slack's limits
 *   are per method). The adapter turns it into `PlatformRateLimitError` and the worker delays just
 *   that job until `Retry-After` (see `rescheduleOnRateLimit`).
 *
 * @param apiUrl SLACK_API_URL, when set (a local or proxy Web API); a trailing slash is added.
 */
export function slackClientOptions(apiUrl: string | undefined): WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
}
