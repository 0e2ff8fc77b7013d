import { DelayedError, type Job } from 'bullmq';
import { EngineRateLimitError, EngineUnavailableError, PlatformRateLimitError } from '../errors.js';

/** Added to the platform's `Retry-After`, so jobs limited together do not all return in the same millisecond. */
const JITTER_MS = 250;

/**
 * Inside a BullMQ processor: when `err` is a platform rate limit, moves the job to the delayed set
 * until the platform's `Retry-After` (plus a little jitter) and throws BullMQ's `DelayedError`, so
 * the worker neither fails the job nor consumes one of its attempts (`moveToDelayed` skips the
 * attempt). Other jobs, and other methods' calls, keep running meanwhile: a 429 stays local.
 *
 * Returns normally (doing nothing) for any other error, or without a lock token (a processor
 * called outside a worker); the caller then rethrows `err` as usual.
 *
 * @example
 * ```ts
 * async (job, token) => {
 *   try { return await post(job.data); }
 *   catch (e) { await rescheduleOnRateLimit(job, token, e); throw e; }
 * }
 * ```
 * @see https://docs.bullmq.io/patterns/process-step-jobs#delaying
 */
export async function rescheduleOnRateLimit(job: Job, token: string | undefined, err: unknown, now = Date.now()): Promise<void> {
  const waitMs = retryLaterMs(err);
  if (waitMs === undefined || !token) return;
  await job.moveToDelayed(now + waitMs + Math.floor(Math.random() * JITTER_MS), token);
  throw new DelayedError(`${(err as Error).message} (job ${job.id} delayed)`);
}

/**
 * How long a job should wait, without spending an attempt, after `err`: a platform's or the
 * engine's 429 (`Retry-After`), or the engine's circuit breaker being open (until its next probe:
 * the job waits in the queue while the engine is down instead of failing). Undefined otherwise.
 */
export function retryLaterMs(err: unknown): number | undefined {
  if (err instanceof PlatformRateLimitError || err instanceof EngineRateLimitError) return err.retryAfterMs;
  if (err instanceof EngineUnavailableError) return err.retryAfterMs;
  return undefined;
}

/** True for the `DelayedError` thrown by {@link rescheduleOnRateLimit} (not a failure: do not count or log it as one). */
export const isDelayedError = (e: unknown): boolean => e instanceof DelayedError;
