import type { Redis } from 'ioredis';

/**
 * What the console's workers tell one console session, wherever they run (in the console
 * process, or in a running `npm start` next to it): a Redis stream per session. Nothing of one
 * session reaches another, and a new session never sees answers meant for an earlier, killed one.
 */
export type ConsoleMessage =
  | { kind: 'notice'; text: string; followsUp?: boolean }
  | { kind: 'reply'; messageId: string; status: 'answered' | 'stopped' | 'failed'; body: string; answerChars: number; knowledge: string };

/** A session's stream lives this long after its last message. */
const STREAM_TTL_S = 3600;

export const consoleStreamKey = (prefix: string, session: string) => `${prefix}:console:out:${session}`;

export async function publishToConsole(redis: Redis, prefix: string, session: string, msg: ConsoleMessage): Promise<string> {
  const key = consoleStreamKey(prefix, session);
  const [[, id]] = (await redis.multi().xadd(key, '*', 'm', JSON.stringify(msg)).expire(key, STREAM_TTL_S).exec()) as [[null, string]];
  return id;
}

/**
 * Reads a session's stream from the beginning, one message at a time, until `signal` aborts.
 * `conn` must be a connection of its own: the read blocks.
 */
export async function* readConsole(conn: Redis, prefix: string, session: string, signal: AbortSignal): AsyncGenerator<ConsoleMessage> {
  const key = consoleStreamKey(prefix, session);
  let last = '0';
  while (!signal.aborted) {
    const res = await conn.xread('BLOCK', 500, 'STREAMS', key, last);
    for (const [, entries] of res ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        yield JSON.parse(fields[1]!) as ConsoleMessage;
      }
    }
  }
}
