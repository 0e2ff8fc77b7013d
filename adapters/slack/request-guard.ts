import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { RawHandler } from '../../src/index.js';

/** Largest Slack request body accepted (Slack's own payloads are far smaller). */
export const SLACK_MAX_BODY_BYTES = 1 << 20;
/** Slack's replay window: Bolt rejects timestamps older than this; the guard also rejects newer ones. */
export const SLACK_MAX_CLOCK_SKEW_S = 5 * 60;

export interface SlackRequestGuardOptions {
  /** Body size limit in bytes; larger bodies get 413 and are not buffered. Defaults to 1 MiB. */
  maxBodyBytes?: number;
  /** Clock in ms (tests). Defaults to `Date.now`. */
  now?: () => number;
  /** Told about every request the guard answers itself (status and a short reason). */
  onReject?: (status: number, reason: string) => void;
}

/** What Bolt reads from a request it is handed: a pre-read body it uses instead of the stream. */
type BufferedRequest = IncomingMessage & { rawBody?: Buffer };

const FORM = 'application/x-www-form-urlencoded';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Why a body is not one Slack sends, or undefined when it is. The checks mirror how Bolt 5.1 parses
 * a body (`HTTPModuleFunctions.parseHTTPRequestBody`): form parsing only for the exact content type
 * `application/x-www-form-urlencoded`, where a `payload` field is JSON (interactivity); JSON
 * otherwise. Bolt then reads `body.ssl_check` and `body.type` unguarded, so anything that does not
 * parse to a plain object (`null` above all) rejected in its fire-and-forget handler and killed the
 * process with an unhandled rejection.
 */
export function slackBodyProblem(contentType: string | undefined, raw: string): string | undefined {
  if (contentType === FORM) {
    const form = parseQuery(raw);
    if (form.payload !== undefined) {
      if (typeof form.payload !== 'string') return 'form payload given more than once';
      try {
        return isPlainObject(JSON.parse(form.payload)) ? undefined : 'form payload is not a JSON object';
      } catch {
        return 'form payload is not valid JSON';
      }
    }
    if (typeof form.command === 'string' || typeof form.ssl_check === 'string') return undefined;
    return 'form body is neither an interaction payload, a slash command nor an ssl_check';
  }
  try {
    return isPlainObject(JSON.parse(raw)) ? undefined : 'JSON body is not an object';
  } catch {
    return 'body is not valid JSON';
  }
}

function reply(res: ServerResponse, status: number, close = false): void {
  if (res.headersSent) return;
  res.writeHead(status, close ? { connection: 'close', 'content-length': 0 } : { 'content-length': 0 });
  res.end();
}

/**
 * Wraps Bolt's request listener so that only bodies of the shape Slack sends reach it:
 * - a timestamp more than 5 minutes in the future → 401 (Bolt rejects only stale ones, so a request
 *   signed ahead of time would stay replayable until then);
 * - a body over `maxBodyBytes` → 413, read no further than the limit;
 * - a body that is not what Slack sends (see {@link slackBodyProblem}) → 400.
 * The bytes read are handed to Bolt as `rawBody`, which Bolt's `bufferIncomingMessage` uses instead
 * of reading the stream again, so Bolt verifies the signature over exactly these bytes, as before.
 */
export function guardSlackRequests(boltListener: RawHandler, opts: SlackRequestGuardOptions = {}): RawHandler {
  const { maxBodyBytes = SLACK_MAX_BODY_BYTES, now = Date.now, onReject } = opts;
  const reject = (res: ServerResponse, status: number, reason: string, close = false) => {
    onReject?.(status, reason);
    reply(res, status, close);
  };
  return (req, res) => {
    if (req.method !== 'POST') return boltListener(req, res);
    const tsHeader = req.headers['x-slack-request-timestamp'];
    const ts = typeof tsHeader === 'string' ? Number(tsHeader) : NaN;
    // A missing or malformed timestamp is Bolt's to reject (ssl_check requests are not signed).
    if (Number.isFinite(ts) && ts > now() / 1000 + SLACK_MAX_CLOCK_SKEW_S) return reject(res, 401, 'timestamp in the future');
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      req.resume(); // discard, never buffer; the connection closes after the answer
      return reject(res, 413, 'body too large', true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        over = true;
        chunks.length = 0;
        reject(res, 413, 'body too large', true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => reject(res, 400, 'request stream failed', true));
    req.on('end', () => {
      if (over || res.headersSent) return;
      const body = Buffer.concat(chunks);
      const ct = req.headers['content-type'];
      const problem = slackBodyProblem(ct, body.toString());
      if (problem) return reject(res, 400, problem);
      (req as BufferedRequest).rawBody = body;
      boltListener(req, res);
    });
  };
}
