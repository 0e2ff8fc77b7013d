import type { HistoryMessage } from '../jobs/index.js';

/** A turn of the conversation as the engine takes it: no node-llama-cpp types leak here. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  text: string;
}

export interface PromptInput {
  question: string;
  history: HistoryMessage[];
  /** Character budget for history; the oldest messages are dropped first. */
  historyMaxChars: number;
  systemPrompt?: string;
}

export interface BuiltPrompt {
  /** Everything before the question: system prompt, then the kept history. */
  context: ChatTurn[];
  /** The user's question, sent as the final user turn. */
  question: string;
  /** How many history messages were dropped to fit the budget. */
  droppedHistory: number;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are R1, a private assistant running inside this organisation\'s network. Answer the user\'s question clearly and concisely in Markdown. ' +
  'If you do not know, say so. Earlier messages in the thread are context; answer the latest question.';

/**
 * Builds the prompt from the question and thread history. Pure: no I/O. Consecutive messages of
 * the same role are merged, since chat templates (DeepSeek's included) expect alternating turns.
 */
export function buildPrompt({ question, history, historyMaxChars, systemPrompt }: PromptInput): BuiltPrompt {
  const kept: HistoryMessage[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    const size = m.text.length;
    if (used + size > historyMaxChars) break;
    used += size;
    kept.unshift(m);
  }
  const context: ChatTurn[] = [{ role: 'system', text: systemPrompt ?? DEFAULT_SYSTEM_PROMPT }];
  for (const m of kept) {
    const last = context[context.length - 1]!;
    if (last.role === m.role) last.text += `\n\n${m.text}`;
    else context.push({ role: m.role, text: m.text });
  }
  // The question is a user turn: a trailing user turn in history would make two in a row.
  let q = question;
  const last = context[context.length - 1]!;
  if (last.role === 'user') {
    context.pop();
    q = `${last.text}\n\n${question}`;
  }
  return { context, question: q, droppedHistory: history.length - kept.length };
}
