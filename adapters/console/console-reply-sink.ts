import type { Redis } from 'ioredis';
import { imagesMarkdown, knowledgeMarkdown, type OutgoingReply, type ReplyRef, type ReplySink } from '../../src/index.js';
import { publishToConsole } from './console-channel.js';

/**
 * Final answers for console sessions: the text as the terminal shows it (answer, "(stopped)",
 * the failure text) and, under it, the sources or the model-only / nothing-found note in the words
 * Slack uses, published to the session's stream. The console process prints it, minus what the
 * live answer already printed.
 */
export class ConsoleReplySink implements ReplySink {
  readonly platform = 'console' as const;
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async deliver(r: OutgoingReply): Promise<ReplyRef> {
    const body = r.status === 'failed' ? r.error ?? 'Sorry, something went wrong.' : r.status === 'stopped' ? `${r.answer}\n(stopped)` : r.answer || '(the model returned an empty answer)';
    // What was read from attached images (or why one was left out) comes first, then the sources.
    const knowledge = [r.images?.length ? imagesMarkdown(r.images) : '', r.status === 'failed' ? '' : knowledgeMarkdown(r)].filter(Boolean).join('\n\n');
    const id = await publishToConsole(this.redis, this.prefix, r.key.thread, {
      kind: 'reply', messageId: r.messageId, status: r.status, body, answerChars: r.status === 'failed' ? 0 : r.answer.length, knowledge,
    });
    return { stream: id, session: r.key.thread };
  }
}
