import type { Redis } from 'ioredis';
import type { Db } from '../storage/index.js';
import type { IntakeJob } from '../intake/question.js';
import { discardPendingImages } from './image-store.js';

export interface DiscardImagesDeps {
  db: Pick<Db, 'query'>;
  redis: Redis;
  /** IMAGE_KEEP. */
  keep: boolean;
}

/**
 * After a question's last intake attempt failed (it will not be read or answered): the bytes an
 * API `data:` URL parked in Redis are deleted now rather than at their TTL, and images already
 * downloaded into `question_images` are marked unreadable with their bytes cleared (unless
 * IMAGE_KEEP). Returns what was removed.
 */
export async function discardQuestionImages(deps: DiscardImagesDeps, q: Pick<IntakeJob, 'jobId' | 'images'>): Promise<{ parked: number; stored: number }> {
  const keys = (q.images ?? []).flatMap((r) => (r.source.kind === 'redis' ? [r.source.blobKey] : []));
  const parked = keys.length ? await deps.redis.del(...keys) : 0;
  const stored = await discardPendingImages(deps.db, q.jobId, deps.keep);
  return { parked, stored };
}
