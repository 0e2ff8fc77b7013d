import type { Queue } from 'bullmq';
import { inferenceJobSchema, type InferenceJob, type InferenceJobInput } from './contract.js';
import { inferenceJobId } from './job-id.js';
import { DEDUPE_TTL_MS, JOB_CHAT } from './names.js';
import { JobContractError } from '../errors.js';
import type { FairScheduler } from '../scheduling/index.js';

/** BullMQ priorities (lower runs first): a technician at a faulted machine goes before chat. */
export const JOB_PRIORITY = { diagnose: 1, chat: 10 } as const;

export interface EnqueueResult {
  jobId: string;
  /** True when this event was already enqueued (a platform retry): nothing new was added. */
  duplicate: boolean;
}

export interface EnqueueOptions {
  attempts?: number;
  /** BullMQ priority: lower runs first. Defaults by kind: diagnosis 1, chat 10. */
  priority?: number;
  /** Fair scheduling across channels: adds the channel's waiting jobs to the priority. */
  fair?: FairScheduler;
}

/**
 * Validates and enqueues an inference job, idempotently per platform event. Safe to call for
 * every delivery of the same event: the first wins, later calls report `duplicate`.
 */
export async function enqueueInference(queue: Queue, input: InferenceJobInput, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
  const parsed = inferenceJobSchema.safeParse(input);
  if (!parsed.success) throw new JobContractError(`invalid inference job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const job: InferenceJob = parsed.data;
  const jobId = inferenceJobId(job.key.platform, job.key.tenant, job.source.eventId);
  if (await queue.getJob(jobId)) return { jobId, duplicate: true };
  const priority = opts.priority ?? (opts.fair ? await opts.fair.priorityFor(job.key, JOB_PRIORITY[job.kind]) : JOB_PRIORITY[job.kind]);
  const added = await queue.add(JOB_CHAT, job, {
    jobId,
    deduplication: { id: jobId, ttl: DEDUPE_TTL_MS },
    attempts: opts.attempts ?? 3,
    backoff: { type: 'exponential', delay: 2000 },
    // Every job carries a priority so ordering applies (BullMQ serves un-prioritised jobs first).
    priority,
    removeOnComplete: { age: DEDUPE_TTL_MS / 1000, count: 10_000 },
    removeOnFail: { age: 7 * DEDUPE_TTL_MS / 1000 },
  });
  const duplicate = added.id !== jobId;
  if (duplicate && opts.fair && opts.priority === undefined) await opts.fair.release(job.key);
  return { jobId, duplicate };
}
