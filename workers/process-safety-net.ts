import type { Logger } from '../src/index.js';

export interface ProcessSafetyNetOptions {
  /** Called after an uncaught exception has been logged. Defaults to `process.exit(1)`. */
  exit?: (code: number) => void;
}

/** pino serializes an Error under `err` as {type, message, stack} on the one line; anything else is stringified. */
const fieldsOf = (e: unknown) => (e instanceof Error ? { err: e } : { reason: String(e) });

/**
 * The last line of defence of a long-running process. Both events become one JSON line through
 * pino (the stack is a field of it, not lines of its own on stderr):
 * - `unhandledRejection`: logged at error and the process keeps serving. A promise nobody awaited
 *   failed; the request or job it belonged to has already been answered or will be retried by
 *   its queue, and the rest of the process is intact. Killing every in-flight answer for it would
 *   turn one bad request into an outage (a signed `null` body used to do exactly that).
 * - `uncaughtException`: logged at fatal, then exit 1 for the supervisor (Kubernetes, compose) to
 *   restart. A throw that unwound the stack mid-callback may have left shared state half-updated,
 *   so serving on is not safe. Nothing acknowledged is lost: accepted work is in Redis (BullMQ
 *   jobs; a job whose worker died is handed to another worker after JOB_LOCK_MS).
 */
export function installProcessSafetyNet(log: Logger, { exit = (code) => process.exit(code) }: ProcessSafetyNetOptions = {}): void {
  process.on('unhandledRejection', (reason) => {
    log.error(fieldsOf(reason), 'unhandled promise rejection (process keeps serving)');
  });
  process.on('uncaughtException', (err, origin) => {
    // pino writes to stdout synchronously by default, so the line is out before the exit.
    log.fatal({ ...fieldsOf(err), origin }, 'uncaught exception: exiting for the supervisor to restart');
    exit(1);
  });
}
