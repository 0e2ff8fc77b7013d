import type { Redis } from 'ioredis';
import { describeNonImage, formatBytes, isReadableMime, sniffImageType } from './image-type.js';
import { IMAGE_BLOB_TTL_S, imageRefSchema, type ImageInput, type ImageRef, type ImageRefusal } from './image-ref.js';

export interface ImageLimits {
  /** IMAGE_MAX_BYTES. */
  maxBytes: number;
  /** IMAGE_MAX_COUNT. */
  maxCount: number;
}

/** The Redis key of bytes admission parked for the intake worker (one layout, here). */
export const imageBlobKey = (prefix: string, jobId: string, index: number) => `${prefix}:img:${jobId}:${index}`;

/** `panel.png`, or `image 2` when the platform gave no name. */
export const imageLabel = (name: string | undefined, index: number) => (name?.trim() ? name.trim() : `image ${index + 1}`);

export const READABLE_TYPES_TEXT = 'PNG, JPEG, WebP or GIF';

/** Why an image of this declared type and size cannot be taken, or null when it may be. */
export function refuseDeclared(label: string, mime: string | undefined, bytes: number | undefined, limits: ImageLimits): string | null {
  if (bytes !== undefined && bytes > limits.maxBytes) return `${label} is ${formatBytes(bytes)}; the limit is ${formatBytes(limits.maxBytes)} per image`;
  const m = mime?.split(';')[0]?.trim().toLowerCase();
  // A generic type says nothing; the bytes decide later.
  if (m && m !== 'application/octet-stream' && m !== 'binary/octet-stream' && !isReadableMime(m)) {
    return `${label} is ${m === 'application/pdf' ? 'a PDF' : `\`${m}\``}, not an image I can read (${READABLE_TYPES_TEXT})`;
  }
  return null;
}

/** Why these bytes cannot be taken (size, not an image), or null when they are a readable image. */
export function refuseBytes(label: string, data: Uint8Array, limits: ImageLimits): string | null {
  if (data.byteLength > limits.maxBytes) return `${label} is ${formatBytes(data.byteLength)}; the limit is ${formatBytes(limits.maxBytes)} per image`;
  if (data.byteLength === 0) return `${label} is empty`;
  if (sniffImageType(data)) return null;
  const what = describeNonImage(data);
  return `${label} is ${what ?? 'not an image file'}, not an image I can read (${READABLE_TYPES_TEXT})`;
}

export interface AdmittedImages {
  refs: ImageRef[];
  refusals: ImageRefusal[];
  /** Bytes to park in Redis before the job is queued: key → data. */
  blobs: Array<{ key: string; data: Uint8Array }>;
}

/**
 * Admission's part for images: the count, the declared size and type, and for bytes a surface
 * already has, the real size and type (from the file's first bytes). What passes becomes a
 * reference (bytes are parked in Redis under a key with a TTL, never in the job); what does not is
 * a refusal the asker sees with the answer to the text. Pure apart from the returned blobs.
 */
export function admitImages(prefix: string, jobId: string, images: readonly ImageInput[], limits: ImageLimits): AdmittedImages {
  const out: AdmittedImages = { refs: [], refusals: [], blobs: [] };
  images.forEach((img, i) => {
    const label = imageLabel(img.name, i);
    if (i >= limits.maxCount) {
      out.refusals.push({ name: label, reason: `${label} was left out: I read at most ${limits.maxCount} images per question` });
      return;
    }
    if (img.source.kind === 'unavailable') {
      out.refusals.push({ name: label, reason: `${label} ${img.source.reason}` });
      return;
    }
    const declared = refuseDeclared(label, img.mime, img.bytes, limits);
    if (declared) {
      out.refusals.push({ name: label, reason: declared });
      return;
    }
    if (img.source.kind === 'bytes') {
      const data = img.source.data;
      const why = refuseBytes(label, data, limits);
      if (why) {
        out.refusals.push({ name: label, reason: why });
        return;
      }
      const key = imageBlobKey(prefix, jobId, i);
      out.blobs.push({ key, data });
      out.refs.push(imageRefSchema.parse({ name: label, mime: sniffImageType(data)!, bytes: data.byteLength, source: { kind: 'redis', blobKey: key } }));
      return;
    }
    out.refs.push(imageRefSchema.parse({ ...img, name: label }));
  });
  return out;
}

/** Parks admitted bytes in Redis (one MULTI: all or none), each with {@link IMAGE_BLOB_TTL_S}. */
export async function parkImageBlobs(redis: Redis, blobs: AdmittedImages['blobs']): Promise<void> {
  if (blobs.length === 0) return;
  const m = redis.multi();
  for (const b of blobs) m.set(b.key, Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength), 'EX', IMAGE_BLOB_TTL_S);
  await m.exec();
}

/** The refusals as one notice: `I could not use report.pdf: it is a PDF, …`. */
export function refusalNotice(refusals: readonly ImageRefusal[]): string {
  return refusals.map((r) => `⚠️ ${r.reason}.`).join('\n');
}
