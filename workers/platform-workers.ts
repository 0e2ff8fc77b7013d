import type { ChatPlatform, Runtime } from '../src/index.js';
import { startDeliveryWorker } from './delivery-worker.js';
import { startIntakeWorker } from './intake-worker.js';
import { startLiveRelayWorker } from './live-relay-worker.js';

/**
 * Everything a surface needs running behind it, the same for every platform: its intake queue
 * (admitted questions → inference), its delivery queue (answers → posts) and, with live answers
 * on, its relay queue. A new surface implements `ChatPlatform` and calls this; nothing else changes.
 */
export async function startPlatformWorkers<S extends object>(rt: Runtime, platform: ChatPlatform<S>, opts: { deliveryConcurrency?: number } = {}): Promise<void> {
  await startIntakeWorker(rt, platform);
  if (platform.sink) await startDeliveryWorker(rt, platform.sink, opts.deliveryConcurrency);
  if (rt.cfg.LIVE_UPDATES && platform.liveSurface) await startLiveRelayWorker(rt, platform.platform, platform.liveSurface);
}
