import type { Logger } from '../log/logger.js';
import type { AdapterReload } from './adapter-contexts.js';

export interface AdapterWatchOptions {
  /** Checks the files and loads what changed (`InferenceEngine.reloadAdapters`). */
  reload: () => Promise<AdapterReload[]>;
  /** Poll interval in ms (LORA_WATCH_INTERVAL_MS); 0 = no polling, only `check()`. */
  intervalMs: number;
  log: Logger;
  /** Called after a check that changed something (new concurrency, metrics). */
  onChange?: (changes: AdapterReload[]) => void;
}

/**
 * Polls the adapter files. A poll costs one `stat` per adapter; the sha256 is read only when mtime
 * or size moved. Polling rather than `fs.watch`: an adapter is usually replaced by a rename or a
 * copy over a network or container volume, where inotify events are unreliable.
 */
export function watchAdapters(o: AdapterWatchOptions): { check: () => Promise<AdapterReload[]>; close: () => void } {
  const check = async () => {
    const res = await o.reload();
    const changed = res.filter((r) => r.outcome !== 'unchanged');
    if (changed.length) o.onChange?.(changed);
    return res;
  };
  let running = false;
  const timer = o.intervalMs > 0
    ? setInterval(() => {
      if (running) return;
      running = true;
      check().catch((e: Error) => o.log.warn({ err: e.message }, 'LoRA adapter check failed')).finally(() => (running = false));
    }, o.intervalMs)
    : undefined;
  timer?.unref();
  return { check, close: () => clearInterval(timer) };
}
