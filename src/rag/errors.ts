import { R1Error } from '../errors.js';

export type RagErrorKind = 'scope_invalid' | 'scope_unknown' | 'extract_failed' | 'unsupported_format' | 'embedding_failed';

/** A knowledge-base error; `kind` says what went wrong, the message is safe to show an admin. */
export class RagError extends R1Error {
  constructor(readonly kind: RagErrorKind, message: string, options?: { cause?: unknown }) {
    super('input_invalid', message, options);
  }
}
