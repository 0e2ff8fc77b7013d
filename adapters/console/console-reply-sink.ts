import type { OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';
import { consolePrefix } from './console-live-surface.js';

/** Prints replies to a terminal. `onReply` lets the REPL re-draw its prompt afterwards. */
export class ConsoleReplySink implements ReplySink {
  readonly platform = 'console' as const;
  constructor(private readonly write: (s: string) => void, private readonly onReply: (r: OutgoingReply) => void = () => {}) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    const body = r.status === 'failed' ? r.error ?? 'failed' : r.status === 'stopped' ? `${r.answer}\n(stopped)` : r.answer || '(empty answer)';
    // A live answer already printed its text: print only the rest.
    const printed = Number((r.live as { printed?: number } | null | undefined)?.printed ?? 0);
    if (printed > 0 && r.status !== 'failed' && printed <= r.answer.length) this.write(`${consolePrefix(body.slice(printed))}\n`);
    else this.write(`\nr1> ${consolePrefix(body)}\n`);
    this.onReply(r);
    return { printed: true, thread: r.key.thread };
  }
}
