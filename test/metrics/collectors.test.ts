import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectGpuUtilization, collectVram, createMetrics } from '../../src/index.js';
import { parseGpuUtilization } from '../../src/metrics/collectors.js';

/** A stand-in `nvidia-smi` executable printing what the real one prints for this query. */
function fakeNvidiaSmi(stdout: string, exitCode = 0): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'r1-smi-'));
  const file = path.join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n[ "$1" = "--query-gpu=index,utilization.gpu" ] || exit 9\nprintf '${stdout}'\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('parseGpuUtilization', () => {
  it.each([
    ['0, 45\n', [{ gpu: '0', ratio: 0.45 }]],
    ['0, 45\n1, 93\n', [{ gpu: '0', ratio: 0.45 }, { gpu: '1', ratio: 0.93 }]],
    ['0, [N/A]\n1, 7\n', [{ gpu: '1', ratio: 0.07 }]],
    ['', []],
    ['NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.\n', []],
  ])('%j', (csv, expected) => {
    expect(parseGpuUtilization(csv)).toEqual(expected);
  });
});

describe('GPU utilisation collector', () => {
  it('reports each GPU by index from nvidia-smi', async () => {
    const m = createMetrics();
    collectGpuUtilization(m, 0, fakeNvidiaSmi('0, 45\\n1, 93\\n'));
    const text = await m.registry.metrics();
    expect(text).toContain('r1_gpu_utilization_ratio{gpu="0"} 0.45');
    expect(text).toContain('r1_gpu_utilization_ratio{gpu="1"} 0.93');
  });

  it('without nvidia-smi (or when it fails) reports nothing and keeps serving /metrics', async () => {
    for (const cmd of ['/nonexistent/nvidia-smi', fakeNvidiaSmi('', 6)]) {
      const m = createMetrics();
      collectGpuUtilization(m, 0, cmd);
      const text = await m.registry.metrics();
      expect(text).not.toMatch(/^r1_gpu_utilization_ratio\{/m);
      expect(text).toContain('r1_queue_jobs');
    }
  });
});

describe('memory collector', () => {
  it('exports VRAM, RAM and llama.cpp memory from the llama state', async () => {
    const m = createMetrics();
    collectVram(m, {
      getVramState: async () => ({ used: 3e9, total: 8e9 }),
      getRamState: async () => ({ total: 64e9, free: 20e9 }),
      getLlamaMemoryUsage: async () => ({ gpuVram: 2.5e9, cpuRam: 1e8 }),
    });
    const text = await m.registry.metrics();
    for (const line of ['r1_vram_bytes{kind="used"} 3000000000', 'r1_vram_bytes{kind="total"} 8000000000', 'r1_ram_bytes{kind="total"} 64000000000',
      'r1_ram_bytes{kind="free"} 20000000000', 'r1_llama_memory_bytes{device="gpu"} 2500000000', 'r1_llama_memory_bytes{device="cpu"} 100000000']) expect(text).toContain(line);
  });
});
