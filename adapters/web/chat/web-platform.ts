import type { Redis } from 'ioredis';
import { diagnosisJobId, type ChatPlatform, type Config, type OutgoingReply, type Question, type ReplyRef, type ReplySink } from '../../../src/index.js';

/** Notices (refusals, failures after admission) wait this long for the page that follows the question. */
const NOTICE_TTL_S = 3600;

const noticeKey = (prefix: string, jobId: string) => `${prefix}:web:notice:${jobId}`;

/**
 * The web chat's reply "delivery": the answer already reached the browser as it was generated (the
 * page follows the job's live events and reads the finished row), so delivering records that in the
 * message log, like the HTTP API's sink.
 */
class WebReplySink implements ReplySink {
  readonly platform = 'web' as const;
  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    return { via: 'web', chat: r.key.thread };
  }
}

/** The web chat as the core sees it: platform `web`, tenant = issuer, channel = group, thread = chat id. */
export interface WebPlatform extends ChatPlatform {
  /** Notices told to the asker of a job (a failure after admission), oldest first. */
  noticesOf(jobId: string): Promise<string[]>;
}

/**
 * Limits are checked at admission (the refusal is the response to the browser's POST); a notice after
 * admission (an intake that failed for good) is kept in Redis under the job id, where the answer's
 * event stream picks it up.
 */
export function createWebPlatform(redis: Redis, cfg: Pick<Config, 'QUEUE_PREFIX' | 'RATE_LIMIT_USER_PER_MIN' | 'RATE_LIMIT_CHANNEL_PER_MIN'>): WebPlatform {
  return {
    platform: 'web',
    sink: new WebReplySink(),
    limitsAtAdmission: { userPerMin: cfg.RATE_LIMIT_USER_PER_MIN, channelPerMin: cfg.RATE_LIMIT_CHANNEL_PER_MIN },
    texts: { empty: 'Type a question first.' },
    async notify(q: Question, text: string, info?: { followsUp?: boolean }) {
      // `/diagnose`: the page follows the diagnosis job, so its notices go there. The queued note
      // ("🔧 Diagnosing P-101 …: position 2") is left out: the page shows the queue position itself.
      const diagnose = q.command?.name === 'diagnose';
      if (diagnose && info?.followsUp) return;
      const jobId = diagnose ? diagnosisJobId('web', q.key.tenant, q.eventId) : (q as Question & { jobId?: string }).jobId;
      if (!jobId) return;
      const key = noticeKey(cfg.QUEUE_PREFIX, jobId);
      await redis.multi().rpush(key, text).expire(key, NOTICE_TTL_S).exec();
    },
    async noticesOf(jobId: string) {
      return redis.lrange(noticeKey(cfg.QUEUE_PREFIX, jobId), 0, -1);
    },
  };
}
