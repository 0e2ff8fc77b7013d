import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the checkout (read-only test assets), or R1_SHARED_DIR. */
export const SHARED_DIR = process.env.R1_SHARED_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const TEST_MODEL_PATH = path.join(SHARED_DIR, 'models', 'stories260K-r1-test.gguf');
export const PLAIN_MODEL_PATH = path.join(SHARED_DIR, 'models', 'stories260K.gguf');
export const KLIPPER_DOCS_DIR = path.join(SHARED_DIR, 'corpora', 'klipper-docs', 'docs');

export const hasTestModel = existsSync(TEST_MODEL_PATH);
/** Message for `describe.skipIf(!hasTestModel)` suites. */
export const NO_MODEL_REASON = `skipped: test model not found at ${TEST_MODEL_PATH} (needs ../shared/models; set R1_SHARED_DIR)`;
if (!hasTestModel) console.warn(NO_MODEL_REASON);
