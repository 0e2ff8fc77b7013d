import { mkdir, symlink, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createScheduler, createWorker, type Scheduler } from 'tesseract.js';
import { preprocessImage, type PreprocessOptions } from './preprocess-image.js';

const require = createRequire(import.meta.url);

/** A language's trained data as its npm package ships it (`@tesseract.js-data/eng`). */
interface LangData {
  code: string;
  gzip: boolean;
  langPath: string;
}

/** OCR_LANGS names a language whose data package is not installed: nothing is downloaded at run time. */
export class OcrLanguageError extends Error {
  readonly code = 'ocr_language';
  constructor(readonly lang: string, options?: { cause?: unknown }) {
    super(`OCR_LANGS: no trained data for "${lang}"; install it with \`npm install @tesseract.js-data/${lang}\` (nothing is downloaded at run time)`, options);
    this.name = 'OcrLanguageError';
  }
}

function langData(code: string): LangData {
  try {
    return require(`@tesseract.js-data/${code}`) as LangData;
  } catch (e) {
    throw new OcrLanguageError(code, { cause: e });
  }
}

/** Fails fast (at start-up) when a language of OCR_LANGS has no data package installed. */
export function assertOcrLangs(langs: string): void {
  for (const l of langs.split('+').filter(Boolean)) langData(l);
}

/**
 * One directory holding every language's `<lang>.traineddata.gz`: tesseract.js takes a single
 * `langPath`, the data packages each ship their own. One language uses its package's directory
 * as is; several are linked side by side under `linkDir`.
 */
async function resolveLangPath(langs: string[], linkDir: string): Promise<{ langPath: string; gzip: boolean }> {
  const data = langs.map(langData);
  const gzip = data.every((d) => d.gzip);
  if (data.length === 1 || data.every((d) => d.langPath === data[0]!.langPath)) return { langPath: data[0]!.langPath, gzip };
  await mkdir(linkDir, { recursive: true });
  for (const d of data) {
    const file = `${d.code}.traineddata${d.gzip ? '.gz' : ''}`;
    await rm(path.join(linkDir, file), { force: true });
    await symlink(path.join(d.langPath, file), path.join(linkDir, file));
  }
  return { langPath: linkDir, gzip };
}

export interface OcrReaderOptions {
  /** `eng`, `eng+deu` (OCR_LANGS). */
  langs: string;
  /** Tesseract workers = images read at once (OCR_CONCURRENCY). */
  concurrency: number;
  /** Where several languages' data are linked together (DATA_DIR/tessdata). */
  linkDir?: string;
  preprocess?: PreprocessOptions;
}

export interface OcrResult {
  /** The text read, lines kept, blank lines collapsed. */
  text: string;
  /** Tesseract's mean confidence, 0–100. */
  confidence: number;
  /** Preprocessing + recognition, in ms. */
  ms: number;
  width: number;
  height: number;
}

/**
 * Reads text from images with tesseract.js and the language data from npm packages, offline
 * (`langPath` points into node_modules; without it tesseract.js would fetch from a CDN). A
 * scheduler spreads images over `concurrency` workers (worker threads: recognition never blocks
 * the event loop); more images wait in the scheduler's queue. Images are decoded and prepared by
 * sharp first ({@link preprocessImage}), so a damaged file fails there.
 */
export class OcrReader {
  private closing?: Promise<void>;
  /** Tesseract workers recognising right now, as their own progress events report it. */
  private readonly busy = new Set<string>();
  /** Most images being recognised at one time since start, or since reset (tests, the benchmark). */
  peakActive = 0;

  private constructor(private readonly scheduler: Scheduler, readonly concurrency: number, private readonly preprocess: PreprocessOptions, tracker: ProgressTracker) {
    tracker.onProgress = (m) => {
      if (m.status !== 'recognizing text') return;
      if (m.progress < 1) this.busy.add(m.workerId);
      else this.busy.delete(m.workerId);
      this.peakActive = Math.max(this.peakActive, this.busy.size);
    };
  }

  static async create(o: OcrReaderOptions): Promise<OcrReader> {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error(`OcrReader: concurrency must be an integer ≥ 1 (got ${o.concurrency})`);
    const langs = o.langs.split('+').filter(Boolean);
    const { langPath, gzip } = await resolveLangPath(langs, o.linkDir ?? path.resolve('data/tessdata'));
    const scheduler = createScheduler();
    const tracker: ProgressTracker = { onProgress: () => undefined };
    try {
      const workers = await Promise.all(Array.from({ length: o.concurrency }, () =>
        createWorker(langs, 1 /* OEM.LSTM_ONLY */, {
          langPath, gzip, cacheMethod: 'none',
          logger: (m) => tracker.onProgress(m),
          // A failure inside the worker rejects the job; without a handler it is thrown where no caller can catch it.
          errorHandler: () => undefined,
        })));
      for (const w of workers) {
        // Screenshots and re-encoded photos often carry no or a bogus DPI (tesseract then warns on
        // stderr and guesses 70); the images are scaled for ~300 dpi text sizes by preprocessImage.
        await w.setParameters({ user_defined_dpi: '300' });
        scheduler.addWorker(w);
      }
    } catch (e) {
      await scheduler.terminate().catch(() => undefined); // the creation error is the one to report
      throw e;
    }
    return new OcrReader(scheduler, o.concurrency, o.preprocess ?? {}, tracker);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Images being recognised right now (waiting ones not counted). */
  get active(): number {
    return this.busy.size;
  }

  /** Prepares and reads one image. Throws `ImageDecodeError` for a file sharp cannot decode. */
  async read(data: Uint8Array): Promise<OcrResult> {
    if (this.closing) throw new Error('OcrReader: read after close');
    const t0 = performance.now();
    const img = await preprocessImage(data, this.preprocess);
    const res = await this.scheduler.addJob('recognize', img.png);
    return { text: tidy(res.data.text), confidence: res.data.confidence, ms: performance.now() - t0, width: img.width, height: img.height };
  }

  /** Stops the tesseract workers. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.scheduler.terminate().then(() => undefined);
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Receives the workers' progress events (set once the reader exists). */
interface ProgressTracker {
  onProgress: (m: { workerId: string; status: string; progress: number }) => void;
}

/** Trailing spaces off, runs of blank lines to one. */
function tidy(s: string): string {
  return s.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
