import type { Db } from './db.js';
import { safeJson } from './safe-text.js';
import type { PromptMessage } from '../prompts/prompt-messages.js';

/** The exact prompt of one answer: what datasets train on. */
export interface MessagePrompt {
  /** System prompt, kept history, final user turn (question with any retrieved sections), in order. */
  messages: PromptMessage[];
  /** sha256 (hex) of the system prompt text: which system prompt version was used. */
  systemPromptSha256: string;
  /** History messages dropped to fit the budget (not in `messages`). */
  droppedHistory: number;
}

/**
 * Stores the prompt of a message (replaced when a retried attempt builds it again).
 * Params: message id, messages (jsonb), system prompt sha256, dropped history count.
 */
export async function saveMessagePrompt(db: Pick<Db, 'query'>, messageId: string, p: MessagePrompt): Promise<void> {
  await db.query(
    `INSERT INTO message_prompts (message_id, messages, system_prompt_sha256, dropped_history) VALUES ($1, $2, $3, $4)
     ON CONFLICT (message_id) DO UPDATE SET messages = EXCLUDED.messages, system_prompt_sha256 = EXCLUDED.system_prompt_sha256,
       dropped_history = EXCLUDED.dropped_history, created_at = now()`,
    [messageId, safeJson(p.messages), p.systemPromptSha256, p.droppedHistory],
  );
}

/** The stored prompt of a message, or null (answers from before prompts were kept, diagnoses). */
export async function getMessagePrompt(db: Pick<Db, 'query'>, messageId: string): Promise<MessagePrompt | null> {
  const { rows } = await db.query<{ messages: PromptMessage[] | string; system_prompt_sha256: string; dropped_history: number }>(
    'SELECT messages, system_prompt_sha256, dropped_history FROM message_prompts WHERE message_id = $1', [messageId],
  );
  const r = rows[0];
  if (!r) return null;
  return { messages: typeof r.messages === 'string' ? JSON.parse(r.messages) as PromptMessage[] : r.messages, systemPromptSha256: r.system_prompt_sha256, droppedHistory: Number(r.dropped_history) };
}
