import type { Redis } from 'ioredis';

/** A surface's record of what it has posted for one job (message ids, offsets), as JSON. */
export interface LiveStateStore<T extends object = Record<string, unknown>> {
  get(): Promise<T | null>;
  set(value: T): Promise<void>;
}

const stateKey = (prefix: string, jobId: string) => `${prefix}:live:state:${jobId}`;
const doneKey = (prefix: string, jobId: string) => `${prefix}:live:done:${jobId}`;
/** Live state outlives any answer (a day), and is never needed after the final delivery. */
const TTL_S = 86_400;

export function liveStateStore<T extends object = Record<string, unknown>>(redis: Redis, prefix: string, jobId: string): LiveStateStore<T> {
  const key = stateKey(prefix, jobId);
  return {
    async get() {
      const raw = await redis.get(key);
      return raw ? (JSON.parse(raw) as T) : null;
    },
    async set(value) {
      await redis.set(key, JSON.stringify(value), 'EX', TTL_S);
    },
  };
}

/** The relay has finished with this job: nothing more will be written to the platform live. */
export async function markLiveDone(redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis.set(doneKey(prefix, jobId), '1', 'EX', TTL_S);
}

export async function isLiveDone(redis: Redis, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.exists(doneKey(prefix, jobId))) === 1;
}
