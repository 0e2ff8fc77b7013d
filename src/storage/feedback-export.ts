import type { PromptMessage } from '../prompts/prompt-messages.js';
import type { Db } from './db.js';
import type { FeedbackValue } from './feedback.js';

/** An answer with its exact prompt and every user's current vote (and correction) on it. */
export interface RatedAnswer {
  messageId: string;
  platform: string;
  tenant: string;
  channel: string;
  /** Who asked (platform user id, not pseudonymised here). */
  askerId: string;
  answer: string;
  reasoning: string;
  createdAt: Date;
  prompt: PromptMessage[];
  votes: Array<{ userId: string; value: FeedbackValue; correction: string | null; at: Date }>;
}

export interface RatedAnswerFilter {
  /** Only answers asked at or after this instant. */
  since?: Date;
  /** Only answers from channels bound to this knowledge scope. */
  scope?: string;
}

type Raw = {
  id: string | number; platform: string; tenant: string; channel: string; user_id: string; answer: string; reasoning: string | null; created_at: Date | string;
  prompt: PromptMessage[] | string; votes: Array<{ user_id: string; value: FeedbackValue; correction: string | null; at: string }> | string;
};
const json = <T>(v: T | string): T => (typeof v === 'string' ? JSON.parse(v) as T : v);

/**
 * Answers that have at least one vote and a stored prompt (answers from before prompts were kept
 * are left out: their prompt cannot be rebuilt byte for byte), oldest first. Stopped and failed
 * answers are left out. Params: since (timestamptz or null), scope name (or null).
 */
export async function listRatedAnswers(db: Pick<Db, 'query'>, f: RatedAnswerFilter = {}): Promise<RatedAnswer[]> {
  const { rows } = await db.query<Raw>(
    `SELECT m.id, m.platform, m.tenant, m.channel, m.user_id, m.answer, m.reasoning, m.created_at, p.messages AS prompt,
       json_agg(json_build_object('user_id', f.user_id, 'value', f.value, 'correction', f.correction, 'at', f.created_at) ORDER BY f.created_at, f.user_id) AS votes
     FROM messages m
     JOIN message_prompts p ON p.message_id = m.id
     JOIN feedback f ON f.message_id = m.id
     WHERE m.status IN ('answered', 'delivered') AND m.answer IS NOT NULL
       AND ($1::timestamptz IS NULL OR m.created_at >= $1)
       AND ($2::text IS NULL OR EXISTS (
         SELECT 1 FROM kb_bindings b JOIN kb_scopes s ON s.id = b.scope_id
         WHERE s.name = $2 AND b.platform = m.platform AND b.tenant = m.tenant AND b.channel = m.channel))
     GROUP BY m.id, p.messages
     ORDER BY m.id`,
    [f.since ?? null, f.scope ?? null],
  );
  return rows.map((r) => ({
    messageId: String(r.id), platform: r.platform, tenant: r.tenant, channel: r.channel, askerId: r.user_id, answer: r.answer, reasoning: r.reasoning ?? '',
    createdAt: new Date(r.created_at), prompt: json(r.prompt),
    votes: json(r.votes).map((v) => ({ userId: v.user_id, value: v.value, correction: v.correction, at: new Date(v.at) })),
  }));
}

/** Channels bound to a knowledge scope, as `platform\0tenant\0channel` keys (for filtering diagnoses). */
export async function channelsOfScope(db: Pick<Db, 'query'>, scope: string): Promise<Set<string>> {
  const { rows } = await db.query<{ platform: string; tenant: string; channel: string }>(
    'SELECT b.platform, b.tenant, b.channel FROM kb_bindings b JOIN kb_scopes s ON s.id = b.scope_id WHERE s.name = $1', [scope]);
  return new Set(rows.map((r) => `${r.platform}\u0000${r.tenant}\u0000${r.channel}`));
}
