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
