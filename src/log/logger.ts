import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths redacted in every log line. Message text and documents are only ever logged under
 * `text`/`question`/`answer`/`reasoning` keys, and only at debug level; secrets never.
 */
export const REDACT_PATHS = [
  'token', '*.token', 'authorization', '*.authorization', 'headers.authorization',
  'password', '*.password', 'secret', '*.secret', 'signingSecret', 'botToken', 'appToken',
  'MicrosoftAppPassword', '*.MicrosoftAppPassword',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Destination stream; defaults to stdout. Tests pass a sink to assert on log content. */
  destination?: pino.DestinationStream;
}

export function createLogger({ level = 'info', name = 'r1', destination }: LoggerOptions = {}): Logger {
  return pino({ level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

/** Adds message text to a log object only when the logger is at debug or below (privacy rule). */
export function withText(log: Logger, fields: Record<string, unknown>, text: Record<string, unknown>): Record<string, unknown> {
  return log.isLevelEnabled('debug') ? { ...fields, ...text } : fields;
}
