/**
 * Text from a platform, made safe to store and prompt with. PostgreSQL's `text` rejects U+0000
 * ("invalid byte sequence for encoding UTF8: 0x00") and a JSON body may carry lone UTF-16
 * surrogates that are not valid UTF-8 either: one such character used to fail a job on every
 * attempt. C0 control characters other than tab, newline and carriage return (and DEL) carry no
 * meaning in a chat question and are removed; lone surrogates become U+FFFD.
 */
// eslint-disable-next-line no-control-regex -- the point is to match control characters
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export function sanitizeText(s: string): string {
  return s.replace(CONTROL_RE, '').toWellFormed();
}

/** True when {@link sanitizeText} would change the text. */
export function needsSanitizing(s: string): boolean {
  CONTROL_RE.lastIndex = 0;
  return CONTROL_RE.test(s) || !s.isWellFormed();
}
