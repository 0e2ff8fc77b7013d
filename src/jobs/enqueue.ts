import type { Queue } from 'bullmq';
import { diagnosisJobSchema, inferenceJobSchema, ocrJobSchema, type OcrJobInput, type DiagnosisJob, type DiagnosisJobInput, type InferenceJob, type InferenceJobInput } from './contract.js';
import { inferenceJobId } from './job-id.js';
import { DEDUPE_TTL_MS, JOB_CHAT, JOB_DIAGNOSE, JOB_OCR, JOB_PRIORITY } from './names.js';
import { JobContractError } from '../errors.js';
import type { FairScheduler } from '../scheduling/index.js';

export interface EnqueueResult {
  jobId: string;
  /** True when this event was already enqueued (a platform retry): nothing new was added. */
  duplicate: boolean;
}

export interface EnqueueOptions {
  attempts?: number;
  /** BullMQ priority: lower runs first. Defaults to the kind's {@link JOB_PRIORITY} (diagnose 1, chat 10). */
  priority?: number;
  /** Fair scheduling across channels (chat only): adds the channel's waiting jobs to the priority. */
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
  // The fair scheduler reserves the place under the job's own id: a retried enqueue keeps it.
  const priority = opts.priority ?? (opts.fair ? await opts.fair.priorityFor(job.key, jobId, JOB_PRIORITY[job.kind]) : JOB_PRIORITY[job.kind]);
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
  return { jobId, duplicate: added.id !== jobId };
}

/**
 * Validates and enqueues a diagnosis job on the inference queue at {@link JOB_PRIORITY}.diagnose,
 * idempotently per platform event (Slack: the slash command's trigger id). Diagnoses bypass fair
 * scheduling (`opts.fair` is ignored): a channel's chat backlog must never push its diagnosis
 * behind other channels' chat.
 */
export async function enqueueDiagnosis(queue: Queue, input: DiagnosisJobInput, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
  const parsed = diagnosisJobSchema.safeParse(input);
  if (!parsed.success) throw new JobContractError(`invalid diagnosis job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const job: DiagnosisJob = parsed.data;
  const jobId = inferenceJobId(job.key.platform, job.key.tenant, job.source.eventId);
  if (await queue.getJob(jobId)) return { jobId, duplicate: true };
  const added = await queue.add(JOB_DIAGNOSE, job, {
    jobId,
    deduplication: { id: jobId, ttl: DEDUPE_TTL_MS },
    attempts: opts.attempts ?? 3,
    backoff: { type: 'exponential', delay: 2000 },
    priority: opts.priority ?? JOB_PRIORITY.diagnose,
    removeOnComplete: { age: DEDUPE_TTL_MS / 1000, count: 10_000 },
    removeOnFail: { age: 7 * DEDUPE_TTL_MS / 1000 },
  });
  return { jobId, duplicate: added.id !== jobId };
}

/**
 * Enqueues the reading of a question's images (the OCR queue), idempotently under the question's
 * job id. The OCR job enqueues the inference job when it is done.
 */
export async function enqueueOcr(queue: Queue, input: OcrJobInput, opts: { attempts?: number } = {}): Promise<EnqueueResult> {
  const parsed = ocrJobSchema.safeParse(input);
  if (!parsed.success) throw new JobContractError(`invalid OCR job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const job = parsed.data.inference;
  const jobId = inferenceJobId(job.key.platform, job.key.tenant, job.source.eventId);
  if (await queue.getJob(jobId)) return { jobId, duplicate: true };
  const added = await queue.add(JOB_OCR, parsed.data, {
    jobId,
    deduplication: { id: jobId, ttl: DEDUPE_TTL_MS },
    attempts: opts.attempts ?? 3,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * DEDUPE_TTL_MS / 1000 },
  });
  return { jobId, duplicate: added.id !== jobId };
}

/**
 * How many jobs would run before a new job of this priority: the waiting ones (BullMQ's
 * unprioritized) plus the prioritized ones at the same or a higher priority, itself included
 * when it has not started yet. 0 = it is already running.
 */
export async function queuePosition(queue: Queue, priority: number): Promise<number> {
  const counts = await queue.getCountsPerPriority(Array.from({ length: priority + 1 }, (_, i) => i));
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
