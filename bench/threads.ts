// Measures generation speed by llama.cpp thread count on this machine: the evidence behind the
// LLAMA_THREADS default (cores − 1) and the warning about node-llama-cpp's own default.
import { availableParallelism } from 'node:os';
import { createLogger, InferenceEngine } from '../src/index.js';
import { defaultLlamaThreads } from '../src/config/vars/core.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { fmt, median } from './stats.js';

const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;

async function tokensPerSecond(threads: number, maxTokens: number): Promise<number> {
  const e = await InferenceEngine.create({ modelPath: MODEL, modelUri: 'unused', downloadDir: '/tmp', threads, sequences: 1, contextSize: 1024, gpu: 'false' }, createLogger({ level: 'silent' }));
  try {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await e.generate({ context: [{ role: 'system', text: 'You are R1.' }], question: 'Tell me a story.', maxTokens, temperature: 0 });
      runs.push(r.completionTokens / (r.timings.totalMs / 1000));
    }
    return median(runs);
  } finally {
    await e.close();
  }
}

export async function runThreadsBench(): Promise<void> {
  if (!hasTestModel && !process.env.BENCH_MODEL_PATH) return console.log('threads bench skipped: no model');
  const cores = availableParallelism();
  const candidates = [...new Set([1, 2, cores, 4].filter((t) => t <= Math.max(4, cores)))].sort((a, b) => a - b);
  console.log(`\n## Threads (${cores} cores; default LLAMA_THREADS = ${defaultLlamaThreads()}; node-llama-cpp's own default is 4 on CPU)`);
  console.log('| threads | tok/s (median of 3, 128 tokens) | vs best |');
  console.log('| --- | --- | --- |');
  const res: Array<[number, number]> = [];
  for (const t of candidates) res.push([t, await tokensPerSecond(t, t > cores ? 16 : 128)]);
  const best = Math.max(...res.map(([, v]) => v));
  for (const [t, v] of res) console.log(`| ${t}${t === defaultLlamaThreads() ? ' (default)' : ''} | ${fmt(v)} | ${fmt(v / best, 3)} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runThreadsBench();
  process.exit(0);
}
