import type { OutgoingReply, ReplyRef, ReplySink } from '../../src/index.js';

/** Prints replies to a terminal. `onReply` lets the REPL re-draw its prompt afterwards. */
export class ConsoleReplySink implements ReplySink {
  readonly platform = 'console' as const;
  constructor(private readonly write: (s: string) => void, private readonly onReply: (r: OutgoingReply) => void = () => {}) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    const body = r.status === 'failed' ? r.error ?? 'failed' : r.status === 'stopped' ? `${r.answer}\n(stopped)` : r.answer || '(empty answer)';
    this.write(`\nr1> ${body.replace(/\n/g, '\nr1> ')}\n`);
    this.onReply(r);
    return { printed: true, thread: r.key.thread };
  }
}
