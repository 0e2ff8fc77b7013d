import { Worker, type Job } from 'bullmq';
import { closeWorker, onWorkerError, readyUnlessRedisDown } from './worker-errors.js';
import { QUEUE_MAINTENANCE, processMaintenance, scheduleImageCleanup, scheduleRetention, serviceOrigin, type Runtime } from '../src/index.js';

/**
 * Consumes the maintenance queue in every process that has the database: the daily retention
 * run (scheduled here with BullMQ's job scheduler when RETENTION_DAYS is set, removed when it is
 * not; one run per installation however many processes), the hourly clean-up of image bytes left
 * behind (IMAGE_PENDING_MAX_HOURS), and erasures triggered by a platform's user-deletion events
 * (FORGET_ON_DELETE). One job at a time.
 */
export async function startMaintenanceWorker(rt: Runtime, opts: { now?: () => Date } = {}): Promise<Worker> {
  const { cfg, log, metrics } = rt;
  // Not awaited: start-up must not wait on a Redis that is down (it is set once Redis is back).
  const schedule = () => void Promise.all([
    scheduleRetention(rt.queues.maintenance, cfg.RETENTION_DAYS, cfg.RETENTION_CRON),
    scheduleImageCleanup(rt.queues.maintenance),
  ]).then(
    () => log.debug({ days: cfg.RETENTION_DAYS, cron: cfg.RETENTION_CRON }, 'retention and image clean-up schedules set'),
    (e: Error) => log.warn({ err: e.message }, 'could not set the retention or image clean-up schedule; it is set at the next start'),
  );
  if (rt.redis.status === 'ready') schedule();
  else rt.redis.once('ready', schedule);
  const worker = new Worker(
    QUEUE_MAINTENANCE,
    async (job: Job) => {
      const res = await processMaintenance({
        db: rt.db, retentionDays: cfg.RETENTION_DAYS, origin: serviceOrigin(), now: opts.now, imageKeep: cfg.IMAGE_KEEP, imagePendingMaxHours: cfg.IMAGE_PENDING_MAX_HOURS,
      }, job.name, job.data);
      if (res.kind === 'retention') {
        for (const [table, n] of Object.entries(res.counts)) if (typeof n === 'number') metrics.retentionRemoved.inc({ table, cause: 'retention' }, n);
        log.info({ ...res.counts, days: cfg.RETENTION_DAYS }, 'retention run: old texts removed');
      } else if (res.kind === 'images') {
        if (res.counts.bytesRemoved) metrics.retentionRemoved.inc({ table: 'question_images', cause: 'image_cleanup' }, res.counts.bytesRemoved);
        if (res.counts.bytesRemoved || res.counts.givenUp) log.info({ ...res.counts, hours: cfg.IMAGE_PENDING_MAX_HOURS }, 'image clean-up: bytes left behind removed');
      } else if (res.kind === 'forget') {
        for (const [table, n] of Object.entries(res.counts)) metrics.retentionRemoved.inc({ table, cause: 'erasure' }, n);
        log.info({ ...res.counts }, 'erasure on a platform deletion event');
      }
      return res;
    },
    { connection: rt.connection, prefix: cfg.QUEUE_PREFIX, concurrency: 1, lockDuration: Math.max(cfg.JOB_LOCK_MS, 120_000) },
  );
  worker.on('error', onWorkerError(rt, 'maintenance worker'));
  worker.on('failed', (job, e) => log.warn({ job: job?.name, err: e.message }, 'maintenance job failed'));
  await readyUnlessRedisDown(rt, worker);
  rt.onClose(() => closeWorker(rt, worker));
  return worker;
}
