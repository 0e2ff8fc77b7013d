import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { assertOcrLangs, handleOcrFailure, OcrReader, processOcr, QUEUE_OCR, VisionClient, type OcrDeps, type Runtime } from '../src/index.js';
import { closeWorker, onWorkerError, readyUnlessRedisDown } from './worker-errors.js';

export interface OcrWorkerHandle {
  /** The tesseract reader, started on the first image (a few seconds, and ~40 MB per worker thread). */
  reader(): Promise<OcrReader>;
  worker: Worker;
}

export interface StartOcrWorkerOptions {
  /** Use this reader (tests, benchmarks); the handle will not close it. */
  reader?: OcrReader;
}

/**
 * The worker role's image reader: a BullMQ worker on the OCR queue with OCR_CONCURRENCY jobs at
 * once, over one tesseract scheduler with OCR_CONCURRENCY workers (worker threads), so at most
 * that many images are recognised at a time in this process — never in the adapters' event loop.
 * Each job reads one question's images and then enqueues its inference job.
 */
export async function startOcrWorker(rt: Runtime, opts: StartOcrWorkerOptions = {}): Promise<OcrWorkerHandle> {
  const { cfg, log } = rt;
  assertOcrLangs(cfg.OCR_LANGS);
  // Started on the first image: a worker that never sees one costs nothing. Reset on failure, so the next job tries again.
  let starting: Promise<OcrReader> | undefined = opts.reader ? Promise.resolve(opts.reader) : undefined;
  const reader = () => (starting ??= OcrReader.create({ langs: cfg.OCR_LANGS, concurrency: cfg.OCR_CONCURRENCY, linkDir: path.resolve(cfg.DATA_DIR, 'tessdata') })
    .catch((e: unknown) => {
      starting = undefined;
      throw e;
    }));
  const vision = cfg.VISION_URL
    ? new VisionClient({ url: cfg.VISION_URL, model: cfg.VISION_MODEL, apiKey: cfg.VISION_API_KEY, timeoutMs: cfg.VISION_TIMEOUT_MS, log })
    : undefined;
  const deps: OcrDeps = { db: rt.db, reader, vision, queues: rt.queues, fair: rt.fair, metrics: rt.metrics, log, keep: cfg.IMAGE_KEEP, attempts: cfg.JOB_ATTEMPTS };
  const worker = new Worker(
    QUEUE_OCR,
    async (job: Job) => {
      try {
        const res = await processOcr(deps, job.id!, job.data);
        rt.metrics.jobs.inc({ queue: 'ocr', outcome: 'read' });
        return res;
      } catch (e) {
        const err = e as Error;
        const last = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        rt.metrics.jobs.inc({ queue: 'ocr', outcome: last ? 'failed' : 'retry' });
        log.error({ jobId: job.id, attempt: job.attemptsMade + 1, err: err.message }, 'OCR job failed');
        // The question is still answered, from its text, with the images marked as not read.
        if (last) await handleOcrFailure(deps, job.id!, job.data, err).catch((fe: Error) => log.error({ jobId: job.id, err: fe.message }, 'could not enqueue the question after its OCR failed'));
        throw e;
      }
    },
    {
      connection: rt.connection, prefix: cfg.QUEUE_PREFIX, concurrency: cfg.OCR_CONCURRENCY,
      lockDuration: cfg.JOB_LOCK_MS, stalledInterval: Math.max(1000, Math.floor(cfg.JOB_LOCK_MS / 2)), maxStalledCount: 2,
    },
  );
  worker.on('error', onWorkerError(rt, 'ocr worker'));
  await readyUnlessRedisDown(rt, worker);
  // Registered before the caller's later steps, so it runs after them: the worker stops taking jobs, then the reader goes.
  rt.onClose(async () => {
    await closeWorker(rt, worker);
    if (!opts.reader && starting) await (await starting.catch(() => null))?.close();
  });
  log.info({ concurrency: cfg.OCR_CONCURRENCY, langs: cfg.OCR_LANGS, vision: Boolean(vision) }, 'OCR worker started');
  return { reader, worker };
}
