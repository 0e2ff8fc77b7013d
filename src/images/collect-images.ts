import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Db } from '../storage/index.js';
import type { Logger } from '../log/logger.js';
import type { ChatPlatform } from '../intake/chat-platform.js';
import type { IntakeJob } from '../intake/question.js';
import { refuseBytes, type ImageLimits } from './admit-images.js';
import { ImageFetchError } from './fetch-capped.js';
import { sniffImageType } from './image-type.js';
import type { ImageRef } from './image-ref.js';
import { listImages, storeImage, storeRefusedImage } from './image-store.js';

export interface CollectImagesDeps {
  db: Pick<Db, 'query'>;
  redis: Redis;
  log: Logger;
  limits: ImageLimits;
}

/**
 * The intake worker's part (after the acknowledgement, where the platform credentials are): each
 * admitted image is downloaded (or taken from where admission parked it), checked again (real
 * size, real type from its first bytes) and stored with its sha256 under the question's job id,
 * waiting for OCR; admission's refusals are stored too, so the reply can say what was left out.
 * Idempotent: a retried intake skips images already stored. Returns how many wait for OCR.
 */
export async function collectImages(deps: CollectImagesDeps, platform: ChatPlatform, q: IntakeJob): Promise<{ stored: number; refused: number }> {
  const done = new Map((await listImages(deps.db, q.jobId)).map((r) => [r.index, r]));
  const refs = q.images ?? [];
  let stored = 0;
  let refused = 0;
  for (const [index, ref] of refs.entries()) {
    const prior = done.get(index);
    if (prior) {
      if (prior.status === 'refused') refused++;
      else stored++;
      continue;
    }
    const got = await download(deps, platform, q, ref).then(
      (data) => ({ data, why: refuseBytes(ref.name, data, deps.limits) }),
      (e: unknown) => {
        if (!(e instanceof ImageFetchError)) throw e; // Redis or the network of this process: retry the intake
        deps.log.warn({ platform: platform.platform, jobId: q.jobId, index, status: e.status, err: e.message }, 'image download refused');
        return { data: null, why: e.reason };
      },
    );
    if (got.why || !got.data) {
      await storeRefusedImage(deps.db, q.jobId, index, ref.name, ref.source.kind, got.why ?? `${ref.name} could not be downloaded`);
      refused++;
    } else {
      const sha256 = createHash('sha256').update(got.data).digest('hex');
      await storeImage(deps.db, { jobId: q.jobId, index, name: ref.name, source: ref.source.kind, mime: sniffImageType(got.data)!, sha256, data: got.data });
      stored++;
    }
    // Parked bytes are in the database now (or refused): not left in Redis until their TTL.
    if (ref.source.kind === 'redis') await deps.redis.del(ref.source.blobKey);
  }
  // Admission's refusals follow the admitted images, in their own positions.
  for (const [i, r] of (q.imageRefusals ?? []).entries()) {
    await storeRefusedImage(deps.db, q.jobId, refs.length + i, r.name, 'admission', r.reason);
    refused++;
  }
  return { stored, refused };
}

async function download(deps: CollectImagesDeps, platform: ChatPlatform, q: IntakeJob, ref: ImageRef): Promise<Uint8Array> {
  const src = ref.source;
  if (src.kind === 'redis') {
    const data = await deps.redis.getBuffer(src.blobKey);
    if (!data) throw new ImageFetchError(`parked image ${src.blobKey} expired`, `${ref.name} expired before it could be read; please send it again`);
    return data;
  }
  if (!platform.fetchImage) throw new ImageFetchError(`${platform.platform} cannot download images`, `${ref.name} could not be downloaded here`);
  return platform.fetchImage(q, src, { maxBytes: deps.limits.maxBytes, label: ref.name });
}
