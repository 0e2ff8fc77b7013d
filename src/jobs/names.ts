import type { Platform } from '../conversation/index.js';

/** Queue names. The BullMQ prefix (QUEUE_PREFIX) is applied by the connection options, not here. */
export const QUEUE_INFERENCE = 'inference';
/** One delivery queue per platform, consumed by the process that holds that platform's credentials. */
export const deliveryQueueName = (platform: Platform) => `delivery-${platform}`;

/**
 * One intake queue per platform: admission puts the question here (durably, before the platform
 * is told "received"); the adapters role of that platform prepares it (limits, history, live
 * answer) and enqueues the inference job.
 */
export const intakeQueueName = (platform: Platform) => `intake-${platform}`;

/** Housekeeping: the daily retention run and platform-triggered erasures (src/retention), run where the database is. */
export const QUEUE_MAINTENANCE = 'maintenance';
export const JOB_RETENTION = 'retention';
export const JOB_FORGET = 'forget';
/** Hourly: image bytes left behind past IMAGE_PENDING_MAX_HOURS are removed (src/images). */
export const JOB_IMAGE_CLEANUP = 'image-cleanup';
/**
 * Images attached to questions are read here (OCR, optional vision model) by the worker role,
 * never in the adapters' event loop; each job then enqueues its question's inference job.
 */
export const QUEUE_OCR = 'ocr';

/** Job names inside the queues. */
export const JOB_CHAT = 'chat';
export const JOB_DELIVER = 'deliver';
export const JOB_DIAGNOSE = 'diagnose';
export const JOB_INTAKE = 'question';
export const JOB_OCR = 'read-images';

/**
 * BullMQ priorities on the inference queue (lower runs first). Every job gets one: BullMQ runs
 * jobs WITHOUT a priority before all prioritized ones, so an unprioritized chat job would overtake
 * a diagnosis. https://docs.bullmq.io/guide/jobs/prioritized
 */
export const JOB_PRIORITY = { diagnose: 1, chat: 10 } as const;

/** How long a finished job's id stays reserved, so a platform retry of the same event is a no-op. Slack retries for ~5 min, Teams for ~15 s; keep a day. */
export const DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;
