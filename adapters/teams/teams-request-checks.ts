/** Longest reason kept in a log line. */
const MAX_REASON_CHARS = 120;

/**
 * Why a parsed request body cannot be a Bot Framework activity, or undefined when it can: it must
 * be a JSON object with a string `type` (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#activity-object).
 * botbuilder 4.23 answers some other shapes with 400 and others by throwing from its schema parse,
 * which surfaced as a 401 and a stack trace.
 */
export function teamsBodyProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  if (typeof (body as { type?: unknown }).type !== 'string') return 'activity has no type';
  return undefined;
}

/**
 * A short, single-line reason for a rejected Teams request, from botbuilder's error or response
 * body: the first line, cut to 120 characters, with anything that looks like key material or a
 * token (a PEM block, a long base64 run) removed.
 */
export function shortAuthReason(source: unknown): string {
  const raw = source instanceof Error ? source.message : typeof source === 'string' ? source : source === undefined ? '' : String((source as { message?: unknown }).message ?? '');
  const line = (raw.split('\n')[0] ?? '')
    .replace(/-----BEGIN[\s\S]*/i, '[key]')
    .replace(/[A-Za-z0-9+/=_-]{40,}/g, '[redacted]')
    .trim();
  const reason = line || 'unauthorized';
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}
