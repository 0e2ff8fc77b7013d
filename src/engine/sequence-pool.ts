import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

/**
 * The context's sequences as a pool. Each job holds one sequence while it generates; jobs holding
 * sequences at the same time are evaluated in one batch by llama.cpp (dynamic batching).
 */
export class SequencePool {
  readonly size: number;
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Array<(s: LlamaContextSequence) => void> = [];
  private inUseCount = 0;
  private peakInUse = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(context: LlamaContext, size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) this.free.push(context.getSequence());
  }

  get inUse(): number {
    return this.inUseCount;
  }

  /** Highest number of sequences held at once since the last `resetPeak()`. */
  get peak(): number {
    return this.peakInUse;
  }

  /** Jobs waiting for a sequence. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves once no sequence is held and no job waits for one: a retired context (an adapter
   * being reloaded) is disposed after this, so every job that reached it finishes on it.
   */
  idle(): Promise<void> {
    if (this.inUseCount === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  resetPeak(): void {
    this.peakInUse = this.inUseCount;
  }

  async acquire(): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    // A waiter is handed its sequence by `release`, which keeps it counted as in use.
    if (!s) return new Promise<LlamaContextSequence>((r) => this.waiters.push(r));
    this.inUseCount++;
    this.peakInUse = Math.max(this.peakInUse, this.inUseCount);
    return s;
  }

  /** Returns a sequence after clearing its KV state, so the next job starts clean. */
  async release(s: LlamaContextSequence): Promise<void> {
    try {
      if (!s.disposed) await s.clearHistory();
    } finally {
      const next = this.waiters.shift();
      if (next) next(s);
      else {
        this.inUseCount--;
        this.free.push(s);
        if (this.inUseCount === 0) {
          const idle = this.idleWaiters;
          this.idleWaiters = [];
          for (const r of idle) r();
        }
      }
    }
  }
}
