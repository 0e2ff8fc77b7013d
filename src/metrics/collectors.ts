import { execFile } from 'node:child_process';
import type { Queue } from 'bullmq';
import type { Metrics } from './registry.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** Queue depth per queue and state, read from Redis at scrape time. */
export function collectQueueDepth(metrics: Metrics, queues: () => Queue[]): void {
  metrics.addCollector(async () => {
    for (const q of queues()) {
      const counts = await q.getJobCounts(...STATES);
      for (const s of STATES) metrics.queueJobs.set({ queue: q.name, state: s }, counts[s] ?? 0);
    }
  });
}

/** VRAM use as node-llama-cpp reports it. */
export function collectVram(metrics: Metrics, getVramState: () => Promise<{ used: number; total: number }>): void {
  metrics.addCollector(async () => {
    const v = await getVramState();
    metrics.vramBytes.set({ kind: 'used' }, v.used);
    metrics.vramBytes.set({ kind: 'total' }, v.total);
  });
}

/** GPU utilisation from nvidia-smi when it exists (cached briefly; absent tools leave the gauge unset). */
export function collectGpuUtilization(metrics: Metrics, cacheMs = 5000): void {
  let last = 0;
  let available = true;
  metrics.addCollector(async () => {
    if (!available || Date.now() - last < cacheMs) return;
    last = Date.now();
    const out = await new Promise<string | null>((resolve) =>
      execFile('nvidia-smi', ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], { timeout: 2000 }, (err, stdout) => resolve(err ? null : stdout)),
    );
    if (out === null) {
      available = false;
      return;
    }
    const vals = out.split('\n').map((l) => Number(l.trim())).filter((n) => Number.isFinite(n));
    if (vals.length) metrics.gpuUtilization.set(vals.reduce((a, b) => a + b, 0) / vals.length / 100);
  });
}

/** Reserved-but-unused share of the V8 heap. */
export function collectMemoryFragmentation(metrics: Metrics): void {
  metrics.addCollector(() => {
    const m = process.memoryUsage();
    if (m.heapTotal > 0) metrics.memoryFragmentation.set((m.heapTotal - m.heapUsed) / m.heapTotal);
  });
}
