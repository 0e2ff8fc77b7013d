import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, watchAdapters, type AdapterReload } from '../../src/index.js';

const log = createLogger({ level: 'silent' });

describe('watchAdapters', () => {
  afterEach(() => vi.useRealTimers());

  it('polls on its interval, one check at a time, and reports only changes', async () => {
    vi.useFakeTimers();
    const results: AdapterReload[][] = [[{ name: 'a', outcome: 'unchanged' }], [{ name: 'a', outcome: 'reloaded', sha256: 'x' }, { name: 'b', outcome: 'unchanged' }]];
    let calls = 0;
    let release!: () => void;
    const reload = vi.fn(async () => {
      const r = results[Math.min(calls++, results.length - 1)]!;
      if (calls === 2) await new Promise<void>((res) => (release = res)); // the second check is slow
      return r;
    });
    const changes: AdapterReload[][] = [];
    const w = watchAdapters({ reload, intervalMs: 1000, log, onChange: (c) => changes.push(c) });
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(3000); // the slow check is still running: no overlap
    expect(reload).toHaveBeenCalledTimes(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toEqual([[{ name: 'a', outcome: 'reloaded', sha256: 'x' }]]);
    w.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(reload).toHaveBeenCalledTimes(2);
  });

  it('with interval 0 checks only when asked (SIGHUP)', async () => {
    vi.useFakeTimers();
    const reload = vi.fn(async (): Promise<AdapterReload[]> => [{ name: 'a', outcome: 'loaded', sha256: 'y' }]);
    const onChange = vi.fn();
    const w = watchAdapters({ reload, intervalMs: 0, log, onChange });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reload).not.toHaveBeenCalled();
    expect(await w.check()).toEqual([{ name: 'a', outcome: 'loaded', sha256: 'y' }]);
    expect(onChange).toHaveBeenCalledOnce();
    w.close();
  });
});
