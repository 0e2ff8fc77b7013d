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

/** What the memory collector reads: node-llama-cpp's `Llama` has these (kept structural, so metrics/ imports no engine). */
export interface LlamaMemorySource {
  getVramState(): Promise<{ used: number; total: number }>;
  getRamState?(): Promise<{ total: number; free: number }>;
  getLlamaMemoryUsage?(): Promise<{ gpuVram: number; cpuRam: number }>;
}

/** VRAM and RAM as node-llama-cpp reports them, and what llama.cpp itself holds on each device. */
export function collectVram(metrics: Metrics, llama: LlamaMemorySource): void {
  metrics.addCollector(async () => {
    const [vram, ram, own] = await Promise.all([llama.getVramState(), llama.getRamState?.(), llama.getLlamaMemoryUsage?.()]);
    metrics.vramBytes.set({ kind: 'used' }, vram.used);
    metrics.vramBytes.set({ kind: 'total' }, vram.total);
    if (ram) {
      metrics.ramBytes.set({ kind: 'total' }, ram.total);
      metrics.ramBytes.set({ kind: 'free' }, ram.free);
    }
    if (own) {
      metrics.llamaMemoryBytes.set({ device: 'gpu' }, own.gpuVram);
      metrics.llamaMemoryBytes.set({ device: 'cpu' }, own.cpuRam);
    }
  });
}

/** Parses `nvidia-smi --query-gpu=index,utilization.gpu --format=csv,noheader,nounits` ("0, 45" a line). */
export function parseGpuUtilization(csv: string): Array<{ gpu: string; ratio: number }> {
  return csv.split('\n').flatMap((line) => {
    const [index, util] = line.split(',').map((s) => s.trim());
    const n = Number(util);
    return index !== undefined && /^\d+$/.test(index) && util !== '' && Number.isFinite(n) ? [{ gpu: index, ratio: n / 100 }] : [];
  });
}

/**
 * GPU utilisation per GPU from nvidia-smi where it exists (cached briefly). Without the tool the
 * gauge stays empty and the collector stops trying; the `gpu` label is the device index, bounded by
 * the GPUs in the machine.
 */
export function collectGpuUtilization(metrics: Metrics, cacheMs = 5000, command = 'nvidia-smi'): void {
  let last = 0;
  let available = true;
  metrics.addCollector(async () => {
    if (!available || Date.now() - last < cacheMs) return;
    last = Date.now();
    const out = await new Promise<string | null>((resolve) =>
      execFile(command, ['--query-gpu=index,utilization.gpu', '--format=csv,noheader,nounits'], { timeout: 2000 }, (err, stdout) => resolve(err ? null : stdout)),
    );
    if (out === null) {
      available = false;
      return;
    }
    for (const { gpu, ratio } of parseGpuUtilization(out)) metrics.gpuUtilization.set({ gpu }, ratio);
  });
}

/** Reserved-but-unused share of the V8 heap. */
export function collectMemoryFragmentation(metrics: Metrics): void {
  metrics.addCollector(() => {
    const m = process.memoryUsage();
    if (m.heapTotal > 0) metrics.memoryFragmentation.set((m.heapTotal - m.heapUsed) / m.heapTotal);
  });
}
