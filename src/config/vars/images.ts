import { z } from 'zod';
import { envVar } from './define.js';
import { bool, positiveInt, url } from './shared-schemas.js';

/** `eng`, `eng+deu`: tesseract language codes joined by `+`, each with its `@tesseract.js-data/<lang>` package installed. */
const ocrLangs = z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[a-z_]{3,12}(\+[a-z_]{3,12})*$/, 'tesseract language codes joined by +, e.g. eng or eng+deu').default('eng'));

/** Questions with pictures (a photo of the panel is the question): limits, OCR, the optional vision model. */
export const imageVars = {
  IMAGE_MAX_BYTES: envVar(positiveInt(10 * 1024 * 1024), 'Largest image accepted with a question, in bytes (default 10 MB); larger ones get a clear reply and the text is still answered.'),
  IMAGE_MAX_COUNT: envVar(positiveInt(4).pipe(z.number().max(20)), 'Images read per question; the rest are left out with a note.'),
  IMAGE_KEEP: envVar(bool(false), 'true: keep the image bytes in the database with what was read (default: only sha256, size, type and the text read are kept).'),
  IMAGE_PENDING_MAX_HOURS: envVar(positiveInt(24).pipe(z.number().max(24 * 30)), 'Image bytes are removed by the hourly clean-up once older than this (an image never read is marked unreadable), unless IMAGE_KEEP=true.'),
  OCR_CONCURRENCY: envVar(positiveInt(2).pipe(z.number().max(32)), 'Images read at once by one worker process (tesseract workers, one CPU core each while reading).'),
  OCR_LANGS: envVar(ocrLangs, 'Tesseract languages; each needs its `@tesseract.js-data/<lang>` package (nothing is downloaded at run time). `eng` ships with the app.'),
  VISION_URL: envVar(url(), 'Optional OpenAI-compatible endpoint with a vision model (llama-server --mmproj, vLLM with a VL model): its description of the image is added like the OCR text. Off when unset.'),
  VISION_MODEL: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().default('vision')), 'Model name sent to VISION_URL.'),
  VISION_API_KEY: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()), 'Bearer key for VISION_URL, if it needs one.', true),
  IMAGE_FETCH_TIMEOUT_MS: envVar(positiveInt(30_000), 'Longest the download of one attached image from Slack or Teams may take.'),
  VISION_TIMEOUT_MS: envVar(positiveInt(30_000), 'Longest the vision endpoint may take per image; past it the answer uses the OCR text only.'),
};
