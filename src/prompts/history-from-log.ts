import type { HistoryMessage } from '../jobs/index.js';

/** A message-log row as far as history needs it. */
export interface LoggedTurn {
  question: string;
  answer: string | null;
  userId: string;
}

/**
 * Thread history for platforms without a history API the bot can call (Teams, console): the
 * questions the bot received in this conversation and the answers it gave, oldest first.
 */
export function historyFromLog(rows: LoggedTurn[], excludeQuestion?: string): HistoryMessage[] {
  // Turns whose texts retention or erasure removed are left out.
  return rows.filter((r) => r.question !== '' || r.answer).flatMap((r) => [
    { role: 'user' as const, text: r.question, user: r.userId },
    ...(r.answer ? [{ role: 'assistant' as const, text: r.answer }] : []),
  ]).filter((m, i, all) => !(excludeQuestion !== undefined && i === all.length - 1 && m.role === 'user' && m.text === excludeQuestion));
}
