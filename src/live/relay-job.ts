import type { Queue } from 'bullmq';
import { z } from 'zod';
import { conversationKeySchema, type Platform } from '../conversation/index.js';

/** One relay job per live answer: it follows the worker's events and shows them on the platform. */
export const liveRelayJobSchema = z.object({
  v: z.literal(1),
  /** The inference job being shown. */
  jobId: z.string().min(1),
  key: conversationKeySchema,
  /** Who asked (Slack channel streams are addressed to a recipient user and team). */
  user: z.object({ id: z.string().min(1) }),
  /** The platform reply target, as in the inference job. */
  reply: z.record(z.string(), z.unknown()).default({}),
});
export type LiveRelayJob = z.infer<typeof liveRelayJobSchema>;

/** One relay queue per platform, consumed by the process holding that platform's credentials. */
export const liveQueueName = (platform: Platform) => `live-${platform}`;
export const liveRelayJobId = (jobId: string) => `live-${jobId}`;
export const JOB_LIVE = 'live';

/**
 * Enqueues the relay for a live answer (idempotent per inference job). Many attempts with a short
 * fixed backoff: an adapter that shuts down hands its relays back, and another one resumes them.
 */
export async function enqueueLiveRelay(queue: Queue, job: LiveRelayJob): Promise<void> {
  await queue.add(JOB_LIVE, liveRelayJobSchema.parse(job), {
    jobId: liveRelayJobId(job.jobId),
    attempts: 50,
    backoff: { type: 'fixed', delay: 250 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 86_400 },
  });
}
