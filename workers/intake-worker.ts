import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { closeWorker, onWorkerError, readyUnlessRedisDown } from './worker-errors.js';
import { discardQuestionImages, intakeQueueName, notifyInBackground, processIntake, rescheduleOnRateLimit, type ChatPlatform, type IntakeJob, type Runtime } from '../src/index.js';

/** Told to the asker when an admitted question could not be prepared after every attempt. */
export const INTAKE_FAILED_TEXT = 'Sorry, I received your question but could not queue it for an answer. Please ask again in a moment.';

/** Questions of one platform prepared at once (I/O bound: Redis, the platform's Web API, the database). */
export const INTAKE_CONCURRENCY = 50;

/**
 * Consumes one platform's intake queue (the adapters role, or the console in-process): each job is
 * an acknowledged question; `processIntake` checks limits, shows 👀, fetches history, starts the
 * live answer and enqueues inference. A question whose last attempt fails is told so — an
 * acknowledged question always gets an answer or an error reply.
 */
export async function startIntakeWorker(rt: Runtime, platform: ChatPlatform): Promise<Worker> {
  const worker = new Worker(
    intakeQueueName(platform.platform),
    async (job: Job, token?: string) => {
      try {
        return await processIntake(rt, platform, job);
      } catch (e) {
        // A platform 429 (a status message, the thread history) delays this question only.
        await rescheduleOnRateLimit(job, token, e);
        const err = e as Error;
        const last = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        rt.metrics.jobs.inc({ queue: 'intake', outcome: last ? 'failed' : 'retry' });
        rt.log.warn({ platform: platform.platform, jobId: job.id, attempt: job.attemptsMade + 1, err: err.message }, 'intake attempt failed');
        if (last && job.data?.key) notifyInBackground(rt, platform, job.data as IntakeJob, INTAKE_FAILED_TEXT);
        // Never read now: its images' bytes go (parked in Redis, or downloaded already); the hourly clean-up catches what this misses.
        const q = job.data as Partial<IntakeJob> | undefined;
        if (last && q?.images?.length) {
          await discardQuestionImages({ db: rt.db, redis: rt.redis, keep: rt.cfg.IMAGE_KEEP }, { jobId: q.jobId ?? job.id!, images: q.images })
            .catch((de: Error) => rt.log.warn({ platform: platform.platform, jobId: job.id, err: de.message }, 'could not discard the images of a failed question'));
        }
        throw e;
      }
    },
    { connection: rt.connection, prefix: rt.cfg.QUEUE_PREFIX, concurrency: INTAKE_CONCURRENCY, lockDuration: rt.cfg.JOB_LOCK_MS, stalledInterval: Math.max(1000, Math.floor(rt.cfg.JOB_LOCK_MS / 2)) },
  );
  worker.on('error', onWorkerError(rt, 'intake worker'));
  await readyUnlessRedisDown(rt, worker);
  rt.onClose(() => closeWorker(rt, worker));
  return worker;
}
