export { removeOldTexts, RETENTION_BATCH, REMOVED_TITLE } from './remove-old-texts.js';
export type { RetentionCounts, RetentionOptions } from './remove-old-texts.js';
export { forgetUser, erasureRef, ERASED_USER } from './forget-user.js';
export type { ForgetTarget, ForgetCounts, ForgetOptions } from './forget-user.js';
export {
  QUEUE_MAINTENANCE, JOB_RETENTION, JOB_FORGET, JOB_IMAGE_CLEANUP, RETENTION_SCHEDULER_ID, IMAGE_CLEANUP_SCHEDULER_ID, IMAGE_CLEANUP_CRON, forgetJobSchema,
  scheduleRetention, scheduleImageCleanup, enqueueForget, processMaintenance,
} from './maintenance-job.js';
export type { ForgetJob, MaintenanceDeps, ImageCleanupCounts } from './maintenance-job.js';
