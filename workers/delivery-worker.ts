import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { deliveryQueueName, PlatformRateLimitError, processDelivery, rescheduleOnRateLimit, settleLive, type ReplySink, type Runtime } from '../src/index.js';
import { closeWorker, onWorkerError, readyUnlessRedisDown } from './worker-errors.js';

/**
 * Consumes one platform's delivery queue and posts replies through that platform's sink. A platform
 * rate limit delays only this job until `Retry-After` (no attempt used); other replies keep going.
 */
export async function startDeliveryWorker<S extends object>(rt: Runtime, sink: ReplySink<S>, concurrency = 8): Promise<Worker> {
  const worker = new Worker(
    deliveryQueueName(sink.platform),
    async (job: Job, token?: string) => {
      if (job.attemptsMade > 0) rt.metrics.deliveryRetries.inc({ platform: sink.platform });
      try {
        const settle = (jobId: string) => settleLive<S>(rt.redis, rt.cfg.QUEUE_PREFIX, rt.queues.liveFor(sink.platform), jobId);
        return await processDelivery({ db: rt.db, sink, metrics: rt.metrics, log: rt.log, settleLive: settle }, job.data);
      } catch (e) {
        if (e instanceof PlatformRateLimitError) {
          rt.metrics.deliveries.inc({ platform: sink.platform, outcome: 'rate_limited' });
          rt.log.info({ jobId: job.id, method: e.method, retryAfterMs: e.retryAfterMs }, 'delivery rate-limited: delayed until Retry-After');
          await rescheduleOnRateLimit(job, token, e);
        }
        rt.metrics.deliveries.inc({ platform: sink.platform, outcome: 'error' });
        rt.log.warn({ jobId: job.id, attempt: job.attemptsMade + 1, err: (e as Error).message }, 'delivery attempt failed');
        if (e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) rt.metrics.deliveries.inc({ platform: sink.platform, outcome: 'failed' });
        throw e;
      }
    },
    { connection: rt.connection, prefix: rt.cfg.QUEUE_PREFIX, concurrency },
  );
  worker.on('error', onWorkerError(rt, 'delivery worker'));
  await readyUnlessRedisDown(rt, worker);
  rt.onClose(() => closeWorker(rt, worker));
  return worker;
}
