// `npm run bench:ocr`: OCR time per image (sharp preprocessing + tesseract.js, packaged English
// data) at 1 and OCR_CONCURRENCY images at once, and what reading images does to chat generation
// speed on the same machine (tokens/s with and without OCR running). Ratios from one run.
import { availableParallelism } from 'node:os';
import { createLogger, InferenceEngine, OcrReader } from '../src/index.js';
import { TEST_MODEL_PATH, hasTestModel } from '../test/support/shared-assets.js';
import { panelJpeg, panelPng, sidewaysPhotoJpeg } from '../test/support/panel-images.js';
import { fmt, quantile } from './stats.js';

const CONCURRENCY = Number(process.env.OCR_CONCURRENCY ?? 2);
const IMAGES = Number(process.env.BENCH_OCR_IMAGES ?? 24);
const MODEL = process.env.BENCH_MODEL_PATH ?? TEST_MODEL_PATH;

/** A mix like the shop floor sends: panel screenshots, a dark HMI photo, a sideways phone photo, a nameplate. */
async function images(n: number): Promise<Buffer[]> {
  const kinds = [
    () => panelPng(['E-214 HIGH VIBRATION']),
    () => panelJpeg(['P-101 FEED PUMP', 'E-219 BEARING TEMP 92 C'], { width: 1200, height: 400, dark: true }),
    () => sidewaysPhotoJpeg(['K-7 COMPRESSOR', 'A-330 DISCHARGE TEMP HIGH'], { width: 1600, height: 600 }),
    () => panelPng(['MODEL CP-200 SERIAL 44-1187', '400 V 50 HZ 7.5 KW'], { width: 2400, height: 800 }),
  ];
  return Promise.all(Array.from({ length: n }, (_, i) => kinds[i % kinds.length]!()));
}

/** Reads `imgs` with at most `concurrency` at once; per-image latency (queue wait included) and wall time. */
async function readAll(reader: OcrReader, imgs: Buffer[]): Promise<{ ms: number[]; wallMs: number }> {
  const t0 = performance.now();
  const ms = await Promise.all(imgs.map(async (b) => {
    const s = performance.now();
    await reader.read(b);
    return performance.now() - s;
  }));
  return { ms, wallMs: performance.now() - t0 };
}

async function chatTokensPerSecond(engine: InferenceEngine, runs: number): Promise<number> {
  let tokens = 0;
  let ms = 0;
  for (let i = 0; i < runs; i++) {
    const r = await engine.generate({ context: [{ role: 'system', text: 'You are R1.' }], question: 'Tell me a story about a pump.', maxTokens: 256, temperature: 0 });
    tokens += r.completionTokens;
    ms += r.timings.totalMs;
  }
  return tokens / (ms / 1000);
}

export async function runOcrBench(): Promise<void> {
  console.log(`\n## OCR (${availableParallelism()} cores; ${IMAGES} images, 4 kinds; OCR_CONCURRENCY = ${CONCURRENCY})`);
  const imgs = await images(IMAGES);
  console.log('| images at once | p50 ms/image | p95 ms/image | images/s |');
  console.log('| --- | --- | --- | --- |');
  for (const c of [...new Set([1, CONCURRENCY])]) {
    const reader = await OcrReader.create({ langs: 'eng', concurrency: c });
    try {
      await reader.read(imgs[0]!); // warm-up: the first image loads the language model into each worker
      const run = c === 1 ? await (async () => {
        const ms: number[] = [];
        const t0 = performance.now();
        for (const b of imgs) {
          const s = performance.now();
          await reader.read(b);
          ms.push(performance.now() - s);
        }
        return { ms, wallMs: performance.now() - t0 };
      })() : await readAll(reader, imgs);
      console.log(`| ${c} | ${fmt(quantile(run.ms, 0.5), 0)} | ${fmt(quantile(run.ms, 0.95), 0)} | ${fmt(imgs.length / (run.wallMs / 1000), 2)} |`);
    } finally {
      await reader.close();
    }
  }
  if (!hasTestModel && !process.env.BENCH_MODEL_PATH) return console.log('chat-while-OCR part skipped: no model');
  const threads = Math.max(1, availableParallelism() - 1);
  const engine = await InferenceEngine.create({ modelPath: MODEL, modelUri: 'unused', downloadDir: '/tmp', threads, sequences: 1, contextSize: 1024, gpu: 'false' }, createLogger({ level: 'silent' }));
  const reader = await OcrReader.create({ langs: 'eng', concurrency: CONCURRENCY });
  try {
    await chatTokensPerSecond(engine, 1);
    const quiet = await chatTokensPerSecond(engine, 5);
    await reader.read(imgs[0]!);
    let stop = false;
    const ocrLoop = (async () => {
      let n = 0;
      while (!stop) await Promise.all(imgs.slice(0, CONCURRENCY).map((b) => reader.read(b).then(() => n++)));
      return n;
    })();
    const busy = await chatTokensPerSecond(engine, 5);
    stop = true;
    const read = await ocrLoop;
    console.log(`\n| chat tok/s (LLAMA_THREADS=${threads}) | no OCR | with ${CONCURRENCY} images being read | ratio |`);
    console.log('| --- | --- | --- | --- |');
    console.log(`| ${MODEL.split('/').pop()} | ${fmt(quiet)} | ${fmt(busy)} (${read} images read meanwhile) | ${fmt(busy / quiet, 2)} |`);
  } finally {
    await reader.close();
    await engine.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runOcrBench();
  process.exit(0);
}
