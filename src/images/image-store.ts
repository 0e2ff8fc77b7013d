import type { Db } from '../storage/index.js';
import { safeText } from '../storage/index.js';

type Q = Pick<Db, 'query'>;

export type ImageStatus = 'stored' | 'read' | 'unreadable' | 'refused';

/** One image of a question as stored (without its bytes). */
export interface ImageRow {
  id: string;
  jobId: string;
  index: number;
  name: string;
  source: string;
  status: ImageStatus;
  /** Why it was refused or could not be read (user-facing). */
  note: string | null;
  mime: string | null;
  bytes: number | null;
  sha256: string | null;
  width: number | null;
  height: number | null;
  ocrText: string | null;
  ocrConfidence: number | null;
  ocrMs: number | null;
  visionText: string | null;
  /** Whether the bytes are still in the row (waiting for OCR, or IMAGE_KEEP=true). */
  hasData: boolean;
}

type Raw = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toRow = (r: Raw): ImageRow => ({
  id: String(r.id), jobId: String(r.job_id), index: Number(r.idx), name: String(r.name), source: String(r.source), status: r.status as ImageStatus,
  note: (r.note as string | null) ?? null, mime: (r.mime as string | null) ?? null, bytes: num(r.bytes), sha256: (r.sha256 as string | null) ?? null,
  width: num(r.width), height: num(r.height), ocrText: (r.ocr_text as string | null) ?? null, ocrConfidence: num(r.ocr_confidence), ocrMs: num(r.ocr_ms),
  visionText: (r.vision_text as string | null) ?? null, hasData: Boolean(r.has_data),
});
const COLUMNS = 'id, job_id, idx, name, source, status, note, mime, bytes, sha256, width, height, ocr_text, ocr_confidence, ocr_ms, vision_text, (data IS NOT NULL) AS has_data';

export interface StoredImageInput {
  jobId: string;
  index: number;
  name: string;
  source: string;
  mime: string;
  sha256: string;
  data: Uint8Array;
}

/** Records a downloaded image with its bytes, waiting for OCR. Idempotent per (job, index): a retried intake keeps the first. */
export async function storeImage(db: Q, i: StoredImageInput): Promise<void> {
  await db.query(
    `INSERT INTO question_images (job_id, idx, name, source, status, mime, bytes, sha256, data)
     VALUES ($1, $2, $3, $4, 'stored', $5, $6, $7, $8) ON CONFLICT (job_id, idx) DO NOTHING`,
    [i.jobId, i.index, safeText(i.name), i.source, i.mime, i.data.byteLength, i.sha256, Buffer.from(i.data.buffer, i.data.byteOffset, i.data.byteLength)],
  );
}

/** Records an image that was not taken, with the reason shown to the asker. Idempotent per (job, index). */
export async function storeRefusedImage(db: Q, jobId: string, index: number, name: string, source: string, note: string): Promise<void> {
  await db.query(
    `INSERT INTO question_images (job_id, idx, name, source, status, note) VALUES ($1, $2, $3, $4, 'refused', $5) ON CONFLICT (job_id, idx) DO NOTHING`,
    [jobId, index, safeText(name), source, safeText(note)],
  );
}

/** The images of a question, in the order attached. Param: job id. */
export async function listImages(db: Q, jobId: string): Promise<ImageRow[]> {
  const { rows } = await db.query<Raw>(`SELECT ${COLUMNS} FROM question_images WHERE job_id = $1 ORDER BY idx`, [jobId]);
  return rows.map(toRow);
}

/** {@link listImages} for many questions in one query: by job id, each in the order attached (a job without images: no entry). */
export async function listImagesOfJobs(db: Q, jobIds: string[]): Promise<Map<string, ImageRow[]>> {
  const out = new Map<string, ImageRow[]>();
  if (jobIds.length === 0) return out;
  const { rows } = await db.query<Raw>(`SELECT ${COLUMNS} FROM question_images WHERE job_id = ANY($1::text[]) ORDER BY job_id, idx`, [jobIds]);
  for (const r of rows.map(toRow)) {
    const list = out.get(r.jobId);
    if (list) list.push(r);
    else out.set(r.jobId, [r]);
  }
  return out;
}

/** The bytes of one stored image (null once cleared). Param: row id. */
export async function readImageData(db: Q, id: string): Promise<Uint8Array | null> {
  const { rows } = await db.query<{ data: Uint8Array | null }>('SELECT data FROM question_images WHERE id = $1', [id]);
  return rows[0]?.data ?? null;
}

export interface ImageReadResult {
  status: 'read' | 'unreadable';
  note?: string | null;
  ocrText?: string | null;
  ocrConfidence?: number | null;
  ocrMs?: number | null;
  visionText?: string | null;
  width?: number | null;
  height?: number | null;
  /** Keep the bytes (IMAGE_KEEP=true); else they are cleared now. */
  keep: boolean;
}

/** Records what was read from one image and clears its bytes unless kept. Params: row id, result. */
export async function recordImageRead(db: Q, id: string, r: ImageReadResult): Promise<void> {
  await db.query(
    `UPDATE question_images SET status = $2, note = $3, ocr_text = $4, ocr_confidence = $5, ocr_ms = $6, vision_text = $7, width = $8, height = $9,
       read_at = now(), data = CASE WHEN $10 THEN data ELSE NULL END
     WHERE id = $1`,
    [id, r.status, r.note ? safeText(r.note) : null, r.ocrText == null ? null : safeText(r.ocrText), r.ocrConfidence ?? null, r.ocrMs == null ? null : Math.round(r.ocrMs),
      r.visionText == null ? null : safeText(r.visionText), r.width ?? null, r.height ?? null, r.keep],
  );
}

/** Rows changed per statement by the clean-up: bounded, like retention's batches. */
const CLEANUP_BATCH = 5000;

/**
 * A question whose intake finally failed is never read: its images waiting for OCR are marked
 * unreadable and their bytes cleared (kept with `keep`, IMAGE_KEEP=true; retention still applies).
 * Returns how many rows changed. Param: job id.
 */
export async function discardPendingImages(db: Q, jobId: string, keep: boolean): Promise<number> {
  const { rows } = await db.query(
    `UPDATE question_images SET status = 'unreadable', note = COALESCE(NULLIF(name, ''), 'the image') || ' was not read: the question could not be queued', read_at = now(),
       data = CASE WHEN $2 THEN data ELSE NULL END
     WHERE job_id = $1 AND status = 'stored' RETURNING id`,
    [jobId, keep],
  );
  return rows.length;
}

export interface StaleImageCleanup {
  /** Bytes of images created before this are removed (IMAGE_PENDING_MAX_HOURS before now). */
  before: Date;
  /** IMAGE_KEEP: bytes of images are kept (retention still removes them after RETENTION_DAYS). */
  keep: boolean;
}

/**
 * The periodic clean-up of image bytes left behind: a question whose OCR job was lost (the worker
 * killed between attempts, the queue emptied by hand), an intake that failed after storing some
 * images, a clearing that failed. Images still waiting for OCR past the bound are marked unreadable
 * (an OCR job that turns up later skips them and answers from the text); the bytes of every image
 * older than the bound are removed unless `keep`. Returns the rows whose bytes were removed and
 * the waiting rows given up on.
 */
export async function removeStaleImageData(db: Q, o: StaleImageCleanup): Promise<{ bytesRemoved: number; givenUp: number }> {
  let bytesRemoved = 0;
  let givenUp = 0;
  for (;;) {
    const { rows } = await db.query<{ had_data: boolean; was_stored: boolean }>(
      `WITH stale AS (
         SELECT id, status = 'stored' AS was_stored, data IS NOT NULL AS had_data FROM question_images
         WHERE created_at < $1 AND (status = 'stored' OR (data IS NOT NULL AND NOT $2)) LIMIT $3)
       UPDATE question_images i SET
         status = CASE WHEN s.was_stored THEN 'unreadable' ELSE i.status END,
         note = CASE WHEN s.was_stored THEN COALESCE(NULLIF(i.name, ''), 'the image') || ' was not read in time' ELSE i.note END,
         read_at = CASE WHEN s.was_stored THEN now() ELSE i.read_at END,
         data = CASE WHEN $2 THEN i.data ELSE NULL END
       FROM stale s WHERE i.id = s.id RETURNING s.had_data, s.was_stored`,
      [o.before, o.keep, CLEANUP_BATCH],
    );
    for (const r of rows) {
      if (r.had_data && !o.keep) bytesRemoved++;
      if (r.was_stored) givenUp++;
    }
    if (rows.length < CLEANUP_BATCH) return { bytesRemoved, givenUp };
  }
}
