import type { ChatPlatform, Config, OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';

/**
 * The HTTP API's reply "delivery": the answer already went out in the HTTP response (streamed from
 * the job's live events, finished from the message log), so delivering only records that in the
 * message log, keeping the API's rows complete and auditable like every other surface's.
 */
class ApiReplySink implements ReplySink {
  readonly platform = 'api' as const;
  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    return { via: 'http', requestId: r.key.thread };
  }
}

/** The conversation key of an API request: one "channel" per client, so knowledge, fairness and limits are per client. */
export const API_TENANT = 'api';

/**
 * The HTTP API as the core sees it. Refusals are HTTP statuses (no notices), limits are checked at
 * admission (a 429 with Retry-After, per client), and the history is the request's own messages.
 */
export function createApiPlatform(cfg: Pick<Config, 'API_RATE_LIMIT_PER_MIN'>): ChatPlatform {
  return {
    platform: 'api',
    sink: new ApiReplySink(),
    // The client is both the asker and the channel: one per-client limit.
    limitsAtAdmission: { userPerMin: cfg.API_RATE_LIMIT_PER_MIN, channelPerMin: cfg.API_RATE_LIMIT_PER_MIN },
    async notify() {
      // The HTTP response carries every refusal and failure.
    },
  };
}
