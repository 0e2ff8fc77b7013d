import { sanitizeText } from '../text/sanitize-text.js';

/**
 * Text made storable: PostgreSQL's `text` rejects U+0000 (`invalid byte sequence for encoding
 * "UTF8": 0x00`) and lone surrogates are not UTF-8 either. One such character in a question used
 * to fail the job on every attempt and in its failure handler too, so the user never heard back.
 * Every text this layer writes goes through here (see {@link sanitizeText} for what changes).
 */
export const safeText = <T extends string | null | undefined>(s: T): T => (typeof s === 'string' ? (sanitizeText(s) as T) : s);

/**
 * A value serialised for a `jsonb` parameter, with every string in it made storable: `jsonb` also
 * rejects `\u0000` ("unsupported Unicode escape sequence"), e.g. in a source's title from a PDF.
 */
export function safeJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? sanitizeText(x) : x));
}
