import { UnrecoverableError } from 'bullmq';
import { enqueueInference, ocrJobSchema, type EnqueueResult, type OcrJob } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/index.js';
import type { QueueSet } from '../queue/index.js';
import type { FairScheduler } from '../scheduling/index.js';
import type { Db } from '../storage/index.js';
import { listImages, readImageData, recordImageRead } from '../images/image-store.js';
import { ImageDecodeError } from '../images/ocr/preprocess-image.js';
import type { OcrReader } from '../images/ocr/ocr-reader.js';
import type { VisionClient } from '../images/vision-client.js';

export interface OcrDeps {
  db: Db;
  /** The tesseract reader, started on first use (memoized by the caller). */
  reader: () => Promise<OcrReader>;
  /** VISION_URL's client; absent = OCR only. */
  vision?: VisionClient;
  queues: QueueSet;
  fair?: FairScheduler;
  metrics: Metrics;
  log: Logger;
  /** IMAGE_KEEP: keep the bytes after reading. */
  keep: boolean;
  /** JOB_ATTEMPTS for the inference job. */
  attempts: number;
}

export function parseOcrJob(data: unknown): OcrJob {
  const parsed = ocrJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid OCR job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Reads the stored images of one question (OCR, and the vision model when configured), records
 * the text with each image (its bytes are cleared unless IMAGE_KEEP), then enqueues the question's
 * inference job. An image that cannot be decoded is recorded as unreadable with a reason, never
 * fails the question. Safe to re-run: images already read are skipped, and the inference enqueue
 * is idempotent by job id.
 */
export async function processOcr(deps: OcrDeps, jobId: string, data: unknown): Promise<EnqueueResult> {
  const job = parseOcrJob(data);
  const rows = await listImages(deps.db, jobId);
  const reader = rows.some((r) => r.status === 'stored') ? await deps.reader() : null;
  // Images of one question are read at once; the reader's workers bound the total across questions.
  await Promise.all(rows.filter((r) => r.status === 'stored').map(async (r) => {
    const bytes = await readImageData(deps.db, r.id);
    if (!bytes) {
      await recordImageRead(deps.db, r.id, { status: 'unreadable', note: `${r.name} was no longer available to read`, keep: deps.keep });
      return;
    }
    const t0 = performance.now();
    try {
      const [ocr, description] = await Promise.all([
        reader!.read(bytes),
        deps.vision ? preprocessForVision(bytes).then((png) => deps.vision!.describe(png, { jobId, index: r.index })) : Promise.resolve(null),
      ]);
      deps.metrics.ocrSeconds.observe(ocr.ms / 1000);
      deps.metrics.ocrImages.inc({ outcome: 'read' });
      await recordImageRead(deps.db, r.id, {
        status: 'read', ocrText: ocr.text, ocrConfidence: ocr.confidence, ocrMs: ocr.ms, visionText: description, width: ocr.width, height: ocr.height, keep: deps.keep,
      });
      deps.log.info({ jobId, index: r.index, ms: Math.round(performance.now() - t0), chars: ocr.text.length, confidence: Math.round(ocr.confidence), vision: description !== null }, 'image read');
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      deps.metrics.ocrImages.inc({ outcome: 'unreadable' });
      deps.log.info({ jobId, index: r.index, err: e.message }, 'image could not be decoded');
      await recordImageRead(deps.db, r.id, { status: 'unreadable', note: `${r.name} could not be read: the file looks damaged or is not a complete image`, keep: deps.keep });
    }
  }));
  return enqueueInference(deps.queues.inference, job.inference, { attempts: deps.attempts, fair: deps.fair });
}

/**
 * After the last attempt failed (OCR itself broken, database down): the question is still
 * answered, from its text, with the images marked as not read.
 */
export async function handleOcrFailure(deps: Pick<OcrDeps, 'db' | 'queues' | 'fair' | 'log' | 'attempts' | 'keep'>, jobId: string, data: unknown, error: Error): Promise<void> {
  let job: OcrJob;
  try {
    job = parseOcrJob(data);
  } catch {
    deps.log.error({ jobId, err: error.message }, 'invalid OCR job dropped');
    return;
  }
  for (const r of await listImages(deps.db, jobId).catch(() => [])) {
    if (r.status === 'stored') await recordImageRead(deps.db, r.id, { status: 'unreadable', note: `${r.name} could not be read (the image reader failed)`, keep: deps.keep }).catch(() => undefined);
  }
  await enqueueInference(deps.queues.inference, job.inference, { attempts: deps.attempts, fair: deps.fair });
}

/** The vision model gets the upright image (EXIF applied), without OCR's grayscale and contrast changes. */
async function preprocessForVision(bytes: Uint8Array): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  return sharp(bytes, { pages: 1, failOn: 'error' }).rotate().resize({ width: 1024, height: 1024, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
}
