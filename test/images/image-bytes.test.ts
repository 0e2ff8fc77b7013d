import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admitQuestion, createRuntime, discardQuestionImages, enqueueOcr, IMAGE_BLOB_TTL_S, IMAGE_CLEANUP_CRON, IMAGE_CLEANUP_SCHEDULER_ID, inferenceJobId, JOB_IMAGE_CLEANUP,
  processMaintenance, removeOldTexts, scheduleImageCleanup, type ChatPlatform, type Db, type InferenceJobInput, type OcrReader, type Runtime,
} from '../../src/index.js';
import { admitImages, collectImages, parkImageBlobs, storeImage } from '../../src/images/index.js';
import { processOcr } from '../../src/pipeline/index.js';
import { INTAKE_FAILED_TEXT, startIntakeWorker } from '../../workers/intake-worker.js';
import { startMaintenanceWorker } from '../../workers/maintenance-worker.js';
import { startOcrWorker } from '../../workers/ocr-worker.js';
import { until } from '../support/child-service.js';
import { panelPng, tinyPdf } from '../support/panel-images.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

/**
 * Stands in for tesseract where the test is about the queue and the bytes, not the reading: each
 * read waits until the test releases it, so "how many at once" is exact and no test sleeps.
 */
class GatedReader {
  active = 0;
  peak = 0;
  private gates: Array<(e?: Error) => void> = [];
  async read(data: Uint8Array) {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      await new Promise<void>((resolve, reject) => this.gates.push((e) => (e ? reject(e) : resolve())));
    } finally {
      this.active--;
    }
    return { text: Buffer.from(data).toString('utf8'), confidence: 90, ms: 5, width: 10, height: 10 };
  }
  /** Lets the oldest waiting read finish (or fail with `e`). */
  release(e?: Error): void {
    this.gates.shift()?.(e);
  }
  get waiting(): number {
    return this.gates.length;
  }
}

let q = 0;
/** A chat question with images stored under its job id, as intake leaves it for the OCR queue. */
async function storedQuestion(db: Db, images: string[], o: { createdAt?: Date } = {}): Promise<{ jobId: string; inference: InferenceJobInput }> {
  const n = ++q;
  const inference: InferenceJobInput = {
    v: 1, kind: 'chat', key: { platform: 'slack', tenant: 'T1', channel: 'C1', thread: `th-${n}` }, user: { id: 'U1' }, text: 'what does it say?', history: [],
    source: { eventId: `ev-${n}-${Date.now()}`, receivedAt: Date.now() }, reply: { channel: 'C1' }, images: true,
  };
  const jobId = inferenceJobId('slack', 'T1', inference.source.eventId);
  for (const [index, text] of images.entries()) {
    await storeImage(db, { jobId, index, name: `panel-${index}.png`, source: 'slack', mime: 'image/png', sha256: 'a'.repeat(64), data: Buffer.from(text) });
  }
  if (o.createdAt) await db.query('UPDATE question_images SET created_at = $2 WHERE job_id = $1', [jobId, o.createdAt]);
  return { jobId, inference };
}
const rowsOf = async (db: Db, jobId: string) =>
  (await db.query<{ status: string; has_data: boolean; ocr_text: string | null; note: string | null }>(
    'SELECT status, data IS NOT NULL AS has_data, ocr_text, note FROM question_images WHERE job_id = $1 ORDER BY idx', [jobId])).rows;

describe('image bytes between intake and OCR: removed after reading, after a final failure, and by the hourly clean-up', () => {
  let rt: Runtime;
  const reader = new GatedReader();

  beforeAll(async () => {
    // JOB_ATTEMPTS=1: a failed OCR job is final at once (no backoff to wait out).
    rt = await createRuntime(testConfig({ OCR_CONCURRENCY: '2', JOB_ATTEMPTS: '1' }), { db: await createTestPgDb() });
    await startOcrWorker(rt, { reader: reader as unknown as OcrReader });
  });
  afterAll(async () => {
    await rt?.close();
    await rt?.db.close();
  });

  it('the OCR queue runs OCR_CONCURRENCY questions at once, the rest wait; each read clears the bytes and queues the answer', async () => {
    const qs = [];
    for (let i = 0; i < 5; i++) qs.push(await storedQuestion(rt.db, [`TEXT ${i}`]));
    for (const s of qs) await enqueueOcr(rt.queues.ocr, { v: 1, inference: s.inference }, { attempts: 1 });
    await until(async () => reader.active === 2 && (await rt.queues.ocr.getWaitingCount()) === 3, 10_000, 'two reads running, three jobs waiting');
    for (let done = 0; done < 5; done++) {
      await until(async () => reader.waiting > 0, 10_000, 'a read waiting');
      expect(reader.active).toBeLessThanOrEqual(2);
      reader.release();
    }
    await until(async () => (await rt.queues.inference.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed')).prioritized + (await rt.queues.inference.getWaitingCount()) >= 5, 10_000, 'five inference jobs');
    expect(reader.peak).toBe(2);
    for (const [i, s] of qs.entries()) expect(await rowsOf(rt.db, s.jobId)).toEqual([{ status: 'read', has_data: false, ocr_text: `TEXT ${i}`, note: null }]);
    expect((await rt.queues.inference.getJob(qs[0]!.jobId))?.id).toBe(qs[0]!.jobId);
  });

  it('an OCR job that finally fails marks its images unreadable, clears their bytes, and still queues the question', async () => {
    const s = await storedQuestion(rt.db, ['A', 'B']);
    await enqueueOcr(rt.queues.ocr, { v: 1, inference: s.inference }, { attempts: 1 });
    await until(async () => reader.waiting === 2, 10_000, 'both images being read');
    reader.release(new Error('tesseract worker exited'));
    reader.release(new Error('tesseract worker exited'));
    await until(async () => rt.queues.inference.getJob(s.jobId), 10_000, 'the inference job');
    expect(await rowsOf(rt.db, s.jobId)).toEqual(['panel-0.png', 'panel-1.png'].map((name) => (
      { status: 'unreadable', has_data: false, ocr_text: null, note: `${name} could not be read (the image reader failed)` })));
  });

  it('IMAGE_KEEP=true keeps the bytes with what was read', async () => {
    const s = await storedQuestion(rt.db, ['KEEP ME']);
    const run = processOcr({ db: rt.db, reader: async () => reader as unknown as OcrReader, queues: rt.queues, metrics: rt.metrics, log: rt.log, keep: true, attempts: 1 }, s.jobId, { v: 1, inference: s.inference });
    await until(async () => reader.waiting === 1, 10_000, 'the read');
    reader.release();
    await run;
    expect(await rowsOf(rt.db, s.jobId)).toEqual([{ status: 'read', has_data: true, ocr_text: 'KEEP ME', note: null }]);
  });

  it('a question whose intake finally failed: parked bytes leave Redis now, downloaded ones are cleared', async () => {
    const prefix = rt.cfg.QUEUE_PREFIX;
    const png = await panelPng(['E-1'], { width: 120, height: 40 });
    const admitted = admitImages(prefix, 'job-x', [{ source: { kind: 'bytes', data: png } }, { source: { kind: 'bytes', data: png } }], { maxBytes: 1 << 20, maxCount: 4 });
    await parkImageBlobs(rt.redis, admitted.blobs);
    // Parked with a TTL: even a question nobody ever handles leaves nothing in Redis past it.
    for (const b of admitted.blobs) expect(await rt.redis.ttl(b.key)).toBeGreaterThan(IMAGE_BLOB_TTL_S - 60);
    const s = await storedQuestion(rt.db, ['DOWNLOADED']);
    const res = await discardQuestionImages({ db: rt.db, redis: rt.redis, keep: false }, { jobId: s.jobId, images: admitted.refs });
    expect(res).toEqual({ parked: 2, stored: 1 });
    expect(await rt.redis.exists(...admitted.blobs.map((b) => b.key))).toBe(0);
    expect(await rowsOf(rt.db, s.jobId)).toEqual([{ status: 'unreadable', has_data: false, ocr_text: null, note: 'panel-0.png was not read: the question could not be queued' }]);
  });

  it('the intake worker, on a question\'s last failed attempt, tells the asker and discards its images (Redis and database)', async () => {
    const notices: string[] = [];
    // A platform whose second download fails with an error that is no refusal and will not heal: the intake's last attempt fails.
    const platform: ChatPlatform = {
      platform: 'teams',
      notify: async (_q, text) => void notices.push(text),
      fetchImage: async () => {
        throw new UnrecoverableError('platform client broken');
      },
    };
    await startIntakeWorker(rt, platform);
    const png = await panelPng(['E-3'], { width: 120, height: 40 });
    const res = await admitQuestion(rt, platform, {
      v: 1, key: { platform: 'teams', tenant: 'tenant-1', channel: 'a:chat', thread: 'a:chat' }, user: { id: 'u1' }, text: 'what is this?', eventId: `ev-fail-${Date.now()}`,
      receivedAt: Date.now(), reply: {}, access: { dm: true },
      images: [{ name: 'pasted.png', source: { kind: 'bytes', data: png } }, { name: 'inline.png', mime: 'image/png', source: { kind: 'teams', url: 'http://127.0.0.1:9/x', auth: true } }],
    });
    expect(res.kind).toBe('accepted');
    const jobId = (res as { jobId: string }).jobId;
    await until(async () => notices.includes(INTAKE_FAILED_TEXT), 10_000, 'the failure notice');
    // The first image was stored before the second failed; now it is cleared, and nothing is left in Redis.
    await until(async () => (await rowsOf(rt.db, jobId))[0]?.status === 'unreadable', 10_000, 'the images discarded');
    expect(await rowsOf(rt.db, jobId)).toEqual([{ status: 'unreadable', has_data: false, ocr_text: null, note: 'pasted.png was not read: the question could not be queued' }]);
    expect(await rt.redis.keys(`${rt.cfg.QUEUE_PREFIX}:img:*`)).toEqual([]);
  });

  it('parked bytes refused at intake leave Redis too (not only the stored ones)', async () => {
    const admitted = admitImages(rt.cfg.QUEUE_PREFIX, 'job-y', [{ source: { kind: 'bytes', data: await panelPng(['E-2'], { width: 120, height: 40 }) } }], { maxBytes: 1 << 20, maxCount: 4 });
    // What admission parked was replaced by a PDF (the intake checks the bytes again).
    await parkImageBlobs(rt.redis, [{ key: admitted.blobs[0]!.key, data: tinyPdf() }]);
    const res = await collectImages({ db: rt.db, redis: rt.redis, log: rt.log, limits: { maxBytes: 1 << 20, maxCount: 4 } }, { platform: 'api' } as never, { jobId: 'job-y', images: admitted.refs } as never);
    expect(res).toEqual({ stored: 0, refused: 1 });
    expect(await rt.redis.exists(admitted.blobs[0]!.key)).toBe(0);
  });

  it('the hourly clean-up (injected clock) removes bytes older than IMAGE_PENDING_MAX_HOURS and gives up on images never read; IMAGE_KEEP keeps bytes until retention', async () => {
    const NOW = new Date('2027-01-10T12:00:00Z');
    const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
    const lost = await storedQuestion(rt.db, ['LOST OCR JOB'], { createdAt: hoursAgo(30) });
    const fresh = await storedQuestion(rt.db, ['STILL QUEUED'], { createdAt: hoursAgo(2) });
    const kept = await storedQuestion(rt.db, ['READ AND KEPT'], { createdAt: hoursAgo(60) });
    await rt.db.query(`UPDATE question_images SET status = 'read', ocr_text = 'READ AND KEPT' WHERE job_id = $1`, [kept.jobId]);
    const deps = { db: rt.db, retentionDays: undefined, origin: 'test', now: () => NOW, imagePendingMaxHours: 24 };

    // IMAGE_KEEP=true: the never-read image is given up on, but no bytes go.
    expect(await processMaintenance({ ...deps, imageKeep: true }, JOB_IMAGE_CLEANUP, { v: 1 })).toMatchObject({ kind: 'images', counts: { bytesRemoved: 0, givenUp: 1 } });
    expect(await rowsOf(rt.db, lost.jobId)).toEqual([{ status: 'unreadable', has_data: true, ocr_text: null, note: 'panel-0.png was not read in time' }]);
    expect((await rowsOf(rt.db, kept.jobId))[0]!.has_data).toBe(true);
    // ... and retention (RETENTION_DAYS) still removes kept bytes when they are old enough.
    await removeOldTexts(rt.db, { days: 2, now: NOW });
    expect((await rowsOf(rt.db, kept.jobId))[0]).toMatchObject({ has_data: false, ocr_text: null });

    // IMAGE_KEEP=false: every byte older than the bound goes; the fresh one waits on.
    await rt.db.query(`UPDATE question_images SET data = 'x' WHERE job_id = $1`, [lost.jobId]);
    expect(await processMaintenance({ ...deps, imageKeep: false }, JOB_IMAGE_CLEANUP, { v: 1 })).toMatchObject({ kind: 'images', counts: { bytesRemoved: 1, givenUp: 0 } });
    expect(await rowsOf(rt.db, lost.jobId)).toEqual([{ status: 'unreadable', has_data: false, ocr_text: null, note: 'panel-0.png was not read in time' }]);
    expect(await rowsOf(rt.db, fresh.jobId)).toEqual([{ status: 'stored', has_data: true, ocr_text: null, note: null }]);
    // An hour later nothing new is stale.
    expect(await processMaintenance({ ...deps, imageKeep: false, now: () => hoursAgo(-1) }, JOB_IMAGE_CLEANUP, { v: 1 })).toMatchObject({ counts: { bytesRemoved: 0, givenUp: 0 } });
    // Past the bound, the fresh one goes as well.
    expect(await processMaintenance({ ...deps, imageKeep: false, now: () => hoursAgo(-23) }, JOB_IMAGE_CLEANUP, { v: 1 })).toMatchObject({ counts: { bytesRemoved: 1, givenUp: 1 } });
  });

  it('the maintenance worker schedules the clean-up hourly (one BullMQ job scheduler, idempotent) and runs it', async () => {
    const NOW = new Date(Date.now() + 48 * 3_600_000); // the worker's clock, two days ahead
    const s = await storedQuestion(rt.db, ['ORPHAN']);
    const worker = await startMaintenanceWorker(rt, { now: () => NOW });
    await until(async () => (await rt.queues.maintenance.getJobSchedulers()).some((j) => j.key === IMAGE_CLEANUP_SCHEDULER_ID), 10_000, 'the schedule');
    await scheduleImageCleanup(rt.queues.maintenance); // another process: still one
    const schedulers = (await rt.queues.maintenance.getJobSchedulers()).filter((j) => j.key === IMAGE_CLEANUP_SCHEDULER_ID);
    expect(schedulers.map((j) => [j.pattern, j.name])).toEqual([[IMAGE_CLEANUP_CRON, JOB_IMAGE_CLEANUP]]);
    const done = new Promise<unknown>((resolve) => worker.on('completed', (job, res) => job.name === JOB_IMAGE_CLEANUP && job.id === 'now' && resolve(res)));
    await rt.queues.maintenance.add(JOB_IMAGE_CLEANUP, { v: 1 }, { jobId: 'now' }); // what the scheduler adds at :41, now
    expect(await done).toMatchObject({ kind: 'images', counts: { givenUp: expect.any(Number) } });
    expect(await rowsOf(rt.db, s.jobId)).toEqual([{ status: 'unreadable', has_data: false, ocr_text: null, note: 'panel-0.png was not read in time' }]);
  });
});
