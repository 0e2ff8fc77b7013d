import type { Redis } from 'ioredis';
import type { ChatPlatform, QuestionInput } from '../../src/index.js';
import { publishToConsole } from './console-channel.js';
import { ConsoleReplySink } from './console-reply-sink.js';

/** The console's ids: `npm run kb -- attach --scope S --platform console --team local --channel console`. */
export const CONSOLE_TENANT = 'local';
export const CONSOLE_CHANNEL = 'console';

/**
 * The console as the core sees it. Notices and answers go to the session's Redis stream, so the
 * workers behind it may run in the console process or in a running service. Live answers are
 * shown by the console process itself (it follows its own job), so there is no relay queue.
 */
export function createConsolePlatform(redis: Redis, prefix: string): ChatPlatform {
  return {
    platform: 'console',
    sink: new ConsoleReplySink(redis, prefix),
    texts: { empty: 'Type a question (or /help).' },
    operatorSurface: true,
    async notify(q, text, info) {
      await publishToConsole(redis, prefix, q.key.thread, { kind: 'notice', text, followsUp: info?.followsUp });
    },
  };
}

/** A console line as a question of this session (or a `/kb`, `/diagnose` command). */
export function consoleQuestion(session: string, userId: string, eventId: string, text: string, command?: QuestionInput['command']): QuestionInput {
  return {
    v: 1,
    key: { platform: 'console', tenant: CONSOLE_TENANT, channel: CONSOLE_CHANNEL, thread: session },
    user: { id: userId },
    text,
    eventId,
    receivedAt: Date.now(),
    reply: {},
    command,
  };
}
