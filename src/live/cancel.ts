import type { Redis } from 'ioredis';

const channelOf = (prefix: string) => `${prefix}:cancel`;
const keyOf = (prefix: string, jobId: string) => `${prefix}:cancelled:${jobId}`;

/** Asks whichever worker runs (or will run) the job to stop it. */
export async function requestCancel(redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis.set(keyOf(prefix, jobId), '1', 'EX', 86_400);
  await redis.publish(channelOf(prefix), jobId);
}

/**
 * Worker side: turns cancel requests (Redis pub/sub, plus a flag for jobs not started yet) into
 * AbortSignals for the generations running in this process.
 */
export class CancelRegistry {
  private readonly running = new Map<string, AbortController>();
  private constructor(private readonly redis: Redis, private readonly sub: Redis, private readonly prefix: string) {}

  /** `onError` hears the subscriber connection's errors (without a listener ioredis prints each retry). */
  static async create(redis: Redis, prefix: string, onError: (e: Error) => void = () => {}): Promise<CancelRegistry> {
    const sub = redis.duplicate();
    sub.on('error', onError);
    const reg = new CancelRegistry(redis, sub, prefix);
    sub.on('message', (_ch, jobId: string) => reg.running.get(jobId)?.abort(new Error('stopped by user')));
    await sub.subscribe(channelOf(prefix));
    return reg;
  }

  /** A signal that aborts when the job is cancelled; already aborted if it was cancelled before it started. */
  async track(jobId: string): Promise<{ signal: AbortSignal; done: () => void }> {
    const ac = new AbortController();
    this.running.set(jobId, ac);
    if (await this.redis.exists(keyOf(this.prefix, jobId))) ac.abort(new Error('stopped by user'));
    return { signal: ac.signal, done: () => this.running.delete(jobId) };
  }

  async close(): Promise<void> {
    this.sub.disconnect();
  }
}
