/** What a masked span becomes, by kind. */
export const REDACTED = { email: '[email]', phone: '[phone]', pattern: '[redacted]' } as const;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * Phone-number candidates: an optional `+`, then digits with spaces, dots, dashes, slashes or
 * parentheses between them. A candidate is masked only when it holds 8–15 digits (E.164's
 * maximum), is not followed by `:` (a time) and does not start with an ISO date, so fault codes
 * (E-214), measurements (0.05 mm), dates, times and part numbers of a few digits stay as they are.
 */
const PHONE = /(?<![\w+.])\+?\(?\d[\d\s().\/-]{6,}\d(?![\w:])/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}\b/;
const DECIMAL = /^\d+\.\d+$/;

function isPhone(candidate: string): boolean {
  const s = candidate.trim();
  const digits = s.replace(/\D/g, '').length;
  if (digits < 8 || digits > 15) return false;
  if (ISO_DATE.test(s) || DECIMAL.test(s)) return false;
  // A run of digits with no separator at all is a number, not a phone number, unless it starts with +.
  return s.startsWith('+') || /[\s().\/-]/.test(s);
}

export interface RedactorOptions {
  /** Extra regular expressions (JavaScript syntax) masked as `[redacted]` (FEEDBACK_REDACT_PATTERNS, `--redact-pattern`). */
  patterns?: readonly string[];
}

/**
 * A function that masks e-mail addresses, phone numbers and the given patterns in a text. Invalid
 * patterns throw here, at construction, naming the pattern.
 */
export function createRedactor(o: RedactorOptions = {}): (text: string) => string {
  const custom = (o.patterns ?? []).map((p) => {
    try {
      return new RegExp(p, 'gu');
    } catch (e) {
      throw new Error(`redact pattern ${JSON.stringify(p)} does not compile: ${(e as Error).message}`, { cause: e });
    }
  });
  return (text) => {
    let out = text.replace(EMAIL, REDACTED.email);
    out = out.replace(PHONE, (m) => (isPhone(m) ? REDACTED.phone : m));
    for (const re of custom) out = out.replace(re, REDACTED.pattern);
    return out;
  };
}
