import { UnrecoverableError, type Queue } from 'bullmq';
import { z } from 'zod';
import { PLATFORMS } from '../conversation/index.js';
import type { Db } from '../storage/index.js';
import { forgetUser, type ForgetCounts } from './forget-user.js';
import { removeOldTexts, type RetentionCounts } from './remove-old-texts.js';

import { JOB_FORGET, JOB_IMAGE_CLEANUP, JOB_RETENTION } from '../jobs/names.js';
import { removeStaleImageData } from '../images/image-store.js';

export { QUEUE_MAINTENANCE, JOB_RETENTION, JOB_FORGET, JOB_IMAGE_CLEANUP } from '../jobs/names.js';
/** The BullMQ job scheduler id of the retention run (one per installation, whatever the number of processes). */
export const RETENTION_SCHEDULER_ID = 'retention-daily';
/** The BullMQ job scheduler id of the hourly clean-up of image bytes left behind. */
export const IMAGE_CLEANUP_SCHEDULER_ID = 'image-cleanup-hourly';
/** When the image clean-up runs: every hour, at minute 41 (off the hour, away from retention's 03:17). */
export const IMAGE_CLEANUP_CRON = '41 * * * *';

export const forgetJobSchema = z.object({
  v: z.literal(1),
  platform: z.enum(PLATFORMS),
  tenant: z.string().min(1),
  userId: z.string().min(1),
  /** What triggered it, for the audit row (e.g. `slack user_change deleted`). */
  reason: z.string().max(200),
});
export type ForgetJob = z.infer<typeof forgetJobSchema>;

/**
 * Schedules the daily retention run (BullMQ job scheduler, idempotent: every process may call it)
 * or removes the schedule when RETENTION_DAYS is unset.
 */
export async function scheduleRetention(queue: Queue, days: number | undefined, cron: string): Promise<void> {
  if (days === undefined) {
    await queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(RETENTION_SCHEDULER_ID, { pattern: cron }, {
    name: JOB_RETENTION, data: { v: 1 }, opts: { removeOnComplete: { count: 30 }, removeOnFail: { count: 30 }, attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
  });
}

/**
 * Schedules the hourly clean-up of image bytes left behind (always on: it is what bounds how long
 * an unread image can stay in the database). Idempotent, one schedule per installation.
 */
export async function scheduleImageCleanup(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(IMAGE_CLEANUP_SCHEDULER_ID, { pattern: IMAGE_CLEANUP_CRON }, {
    name: JOB_IMAGE_CLEANUP, data: { v: 1 }, opts: { removeOnComplete: { count: 30 }, removeOnFail: { count: 30 }, attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
  });
}

/** Queues an erasure (a platform's user-deletion event); one job per person and day. */
export async function enqueueForget(queue: Queue, job: ForgetJob): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  await queue.add(JOB_FORGET, forgetJobSchema.parse(job), {
    jobId: `forget-${job.platform}-${Buffer.from(`${job.tenant}\u0000${job.userId}`).toString('base64url')}-${day}`,
    attempts: 8, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { count: 1000 }, removeOnFail: { age: 30 * 86_400 },
  });
}

export interface MaintenanceDeps {
  db: Db;
  /** RETENTION_DAYS; a retention job found while it is unset does nothing. */
  retentionDays: number | undefined;
  origin: string;
  now?: () => Date;
  /** IMAGE_KEEP: the image clean-up keeps bytes (retention still removes them). */
  imageKeep?: boolean;
  /** IMAGE_PENDING_MAX_HOURS: image bytes older than this are removed by the clean-up. */
  imagePendingMaxHours?: number;
}

/** What one image clean-up removed. */
export interface ImageCleanupCounts {
  /** Rows whose bytes were removed. */
  bytesRemoved: number;
  /** Images still waiting for OCR past the bound, marked unreadable. */
  givenUp: number;
}

/** Runs one maintenance job. */
export async function processMaintenance(deps: MaintenanceDeps, name: string, data: unknown): Promise<{ kind: 'retention'; counts: RetentionCounts } | { kind: 'forget'; counts: ForgetCounts } | { kind: 'images'; counts: ImageCleanupCounts } | { kind: 'skipped' }> {
  if (name === JOB_RETENTION) {
    if (deps.retentionDays === undefined) return { kind: 'skipped' };
    const counts = await removeOldTexts(deps.db, { days: deps.retentionDays, now: deps.now?.(), actor: 'system', origin: deps.origin });
    return { kind: 'retention', counts };
  }
  if (name === JOB_IMAGE_CLEANUP) {
    const now = deps.now?.() ?? new Date();
    const before = new Date(now.getTime() - (deps.imagePendingMaxHours ?? 24) * 3_600_000);
    return { kind: 'images', counts: await removeStaleImageData(deps.db, { before, keep: deps.imageKeep ?? false }) };
  }
  if (name === JOB_FORGET) {
    const parsed = forgetJobSchema.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`invalid forget job: ${parsed.error.issues[0]?.message}`);
    const j = parsed.data;
    const counts = await forgetUser(deps.db, { platform: j.platform, tenant: j.tenant, userId: j.userId }, { actor: `${j.platform}:event`, origin: deps.origin, reason: j.reason });
    return { kind: 'forget', counts };
  }
  throw new UnrecoverableError(`unknown maintenance job ${name}`);
}
