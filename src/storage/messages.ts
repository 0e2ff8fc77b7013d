import type { ConversationKey } from '../conversation/index.js';
import type { Db } from './db.js';
import { safeJson, safeText } from './safe-text.js';

export type MessageStatus = 'generating' | 'answered' | 'stopped' | 'failed' | 'delivered';

export interface MessageRow {
  id: string;
  jobId: string;
  key: ConversationKey;
  userId: string;
  kind: string;
  question: string;
  answer: string | null;
  reasoning: string | null;
  status: MessageStatus;
  error: string | null;
  modelSha256: string | null;
  /** `<engine>:<model id>` (`llama:<file>` or `openai:<id from /v1/models>`). */
  modelId: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  timings: Record<string, unknown>;
  replyRef: Record<string, unknown> | null;
  attempts: number;
  deliveredAt: Date | null;
}

type Raw = Record<string, unknown>;
const toRow = (r: Raw): MessageRow => ({
  id: String(r.id),
  jobId: r.job_id as string,
  key: { platform: r.platform as ConversationKey['platform'], tenant: r.tenant as string, channel: r.channel as string, thread: r.thread as string },
  userId: r.user_id as string,
  kind: r.kind as string,
  // '' once retention or erasure removed it (texts_removed_at)
  question: (r.question as string | null) ?? '',
  answer: (r.answer as string | null) ?? null,
  reasoning: (r.reasoning as string | null) ?? null,
  status: r.status as MessageStatus,
  error: (r.error as string | null) ?? null,
  modelSha256: (r.model_sha256 as string | null) ?? null,
  modelId: (r.model_id as string | null) ?? null,
  promptTokens: r.prompt_tokens === null ? null : Number(r.prompt_tokens),
  completionTokens: r.completion_tokens === null ? null : Number(r.completion_tokens),
  timings: (r.timings as Record<string, unknown>) ?? {},
  replyRef: (r.reply_ref as Record<string, unknown> | null) ?? null,
  attempts: Number(r.attempts),
  deliveredAt: (r.delivered_at as Date | null) ?? null,
});

export interface StartMessageInput {
  jobId: string;
  key: ConversationKey;
  userId: string;
  kind: string;
  question: string;
}

/**
 * Records that generation started for a job, or returns the existing row when the job was seen
 * before (a retry after a crash: `attempts` is bumped). Params: job id, key parts, user, kind, question.
 */
export async function startMessage(db: Pick<Db, 'query'>, m: StartMessageInput): Promise<MessageRow> {
  const { rows } = await db.query<Raw>(
    `INSERT INTO messages (job_id, platform, tenant, channel, thread, user_id, kind, question)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (job_id) DO UPDATE SET attempts = messages.attempts + 1
     RETURNING *`,
    [m.jobId, m.key.platform, m.key.tenant, m.key.channel, m.key.thread, m.userId, m.kind, safeText(m.question)],
  );
  return toRow(rows[0]!);
}

export interface FinishMessageInput {
  answer: string;
  reasoning: string;
  status: 'answered' | 'stopped';
  modelSha256: string | null;
  /** `<engine>:<model id>`; a remote engine's only identity. */
  modelId?: string | null;
  promptTokens: number;
  completionTokens: number;
  timings: Record<string, unknown>;
}

/** Stores the answer. Only a row still generating is updated (a late duplicate cannot overwrite). */
export async function finishMessage(db: Pick<Db, 'query'>, id: string, f: FinishMessageInput): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE messages SET answer = $2, reasoning = $3, status = $4, model_sha256 = $5, prompt_tokens = $6,
       completion_tokens = $7, timings = $8, model_id = $9, answered_at = now()
     WHERE id = $1 AND status = 'generating' RETURNING id`,
    [id, safeText(f.answer), safeText(f.reasoning), f.status, f.modelSha256, f.promptTokens, f.completionTokens, safeJson(f.timings), f.modelId ?? null],
  );
  return rows.length > 0;
}

/** Marks a message still generating as failed, keeping the (internal) error text. */
export async function failMessage(db: Pick<Db, 'query'>, id: string, error: string): Promise<void> {
  await db.query(`UPDATE messages SET status = 'failed', error = $2 WHERE id = $1 AND status = 'generating'`, [id, safeText(error)]);
}

export async function getMessage(db: Pick<Db, 'query'>, id: string): Promise<MessageRow | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM messages WHERE id = $1', [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function getMessageByJobId(db: Pick<Db, 'query'>, jobId: string): Promise<MessageRow | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM messages WHERE job_id = $1', [jobId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Starts a delivery attempt. `previousAttempts > 0` with no `deliveredAt` means an earlier attempt
 * may have posted and crashed before recording it: the adapter should look for its own reply first.
 */
export async function beginDelivery(db: Pick<Db, 'query'>, id: string): Promise<{ delivered: boolean; previousAttempts: number }> {
  const { rows } = await db.query<Raw>(
    `UPDATE messages SET delivery_attempts = delivery_attempts + 1 WHERE id = $1 RETURNING delivered_at, delivery_attempts`,
    [id],
  );
  const r = rows[0];
  if (!r) return { delivered: false, previousAttempts: 0 };
  return { delivered: r.delivered_at !== null, previousAttempts: Number(r.delivery_attempts) - 1 };
}

/**
 * Records a finished delivery: returns true exactly once per message (the first caller), so
 * a redelivered delivery job never posts twice. `replyRef` records where the reply went.
 */
export async function markDelivered(db: Pick<Db, 'query'>, id: string, replyRef: Record<string, unknown>): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE messages SET delivered_at = now(), reply_ref = $2,
       status = CASE WHEN status = 'answered' THEN 'delivered' ELSE status END
     WHERE id = $1 AND delivered_at IS NULL RETURNING id`,
    [id, safeJson(replyRef)],
  );
  return rows.length > 0;
}

/**
 * Records how far a delivery got (e.g. the Teams activity ids posted so far) before it finished,
 * so an attempt that follows a failed one continues instead of posting those parts again.
 * Params: message id, reply ref. Ignored once the message is delivered.
 */
export async function recordReplyProgress(db: Pick<Db, 'query'>, id: string, replyRef: Record<string, unknown>): Promise<void> {
  await db.query('UPDATE messages SET reply_ref = $2 WHERE id = $1 AND delivered_at IS NULL', [id, safeJson(replyRef)]);
}

/** Messages of one conversation, oldest first (memory for platforms without a history API). */
export async function listConversation(db: Pick<Db, 'query'>, key: ConversationKey, limit = 20): Promise<MessageRow[]> {
  const { rows } = await db.query<Raw>(
    `SELECT * FROM (SELECT * FROM messages WHERE platform = $1 AND tenant = $2 AND channel = $3 AND thread = $4
       ORDER BY created_at DESC LIMIT $5) t ORDER BY created_at ASC`,
    [key.platform, key.tenant, key.channel, key.thread, limit],
  );
  return rows.map(toRow);
}
