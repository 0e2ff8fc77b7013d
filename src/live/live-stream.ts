import type { Redis } from 'ioredis';

/** A progress event from the worker to whoever shows the answer live. */
export type LiveEvent =
  /**
   * An attempt starts (a retry generates from scratch). `citations`: how many numbered sources the
   * answer may cite; the stored answer drops other `[n]` markers. Absent: markers are kept as written.
   */
  | { type: 'started'; at: number; citations?: number }
  | { type: 'thought'; text: string }
  | { type: 'answer'; text: string }
  | { type: 'end'; status: 'answered' | 'stopped' | 'failed' };

const streamKey = (prefix: string, jobId: string) => `${prefix}:live:${jobId}`;
/** Streams are short-lived: the final delivery does not depend on them. */
const STREAM_TTL_S = 3600;

/**
 * Worker side: appends events to a Redis stream per job, batching text so a fast model does not
 * issue a Redis write per token (flushes at most every `flushMs`).
 */
export function createLivePublisher(redis: Redis, prefix: string, flushMs = 250) {
  return (jobId: string) => {
    const key = streamKey(prefix, jobId);
    let pending: { type: 'thought' | 'answer'; text: string } | null = null;
    let timer: NodeJS.Timeout | undefined;
    const write = async (e: LiveEvent) => {
      await redis.multi().xadd(key, 'MAXLEN', '~', '5000', '*', 'e', JSON.stringify(e)).expire(key, STREAM_TTL_S).exec();
    };
    const flush = async () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending) {
        const p = pending;
        pending = null;
        await write(p);
      }
    };
    return {
      started: (citations?: number) => write({ type: 'started', at: Date.now(), ...(citations === undefined ? {} : { citations }) }),
      chunk: (type: 'thought' | 'answer', text: string) => {
        if (pending && pending.type !== type) void flush();
        if (pending) pending.text += text;
        else pending = { type, text };
        timer ??= setTimeout(() => void flush().catch(() => {}), flushMs);
      },
      end: async (status: 'answered' | 'stopped' | 'failed') => {
        await flush();
        await write({ type: 'end', status });
      },
    };
  };
}

/**
 * Reads a job's live events from the start (so a follower that attaches late, or after a restart,
 * resumes with everything), until `end` or the signal aborts. Needs its own Redis connection (XREAD BLOCK).
 */
export async function followLive(redis: Redis, prefix: string, jobId: string, onEvent: (e: LiveEvent) => void | Promise<void>, signal: AbortSignal, blockMs = 1000): Promise<void> {
  const key = streamKey(prefix, jobId);
  let last = '0';
  while (!signal.aborted) {
    const res = (await redis.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', key, last)) as Array<[string, Array<[string, string[]]>]> | null;
    for (const [, entries] of res ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        const e = JSON.parse(fields[1]!) as LiveEvent;
        await onEvent(e);
        if (e.type === 'end') return;
      }
    }
  }
}
