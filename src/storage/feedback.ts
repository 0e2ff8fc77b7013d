import type { Db } from './db.js';
import { safeText } from './safe-text.js';

export type FeedbackValue = 'up' | 'down';

/** Where a vote may land: the message must belong to this platform (and tenant / channel when given). */
export interface FeedbackTarget {
  messageId: string;
  platform: string;
  /** The workspace / tenant the vote came from; unset = any. */
  tenant?: string;
  /** The channel the vote came from (the API client); unset = any. */
  channel?: string;
}

// Only answered messages of the caller's platform (and tenant, channel when given) take votes.
const TARGET = `SELECT id FROM messages WHERE id = $1 AND platform = $2 AND ($3::text IS NULL OR tenant = $3) AND ($4::text IS NULL OR channel = $4)
  AND status IN ('answered', 'stopped', 'delivered')`;

/**
 * Records a user's vote on an answer; a later vote by the same user replaces the earlier one, and a
 * 👍 clears that user's earlier correction. Params: message id, platform, user, value. Returns
 * false when there is no such message.
 */
export async function recordFeedback(db: Pick<Db, 'query'>, f: { messageId: string; platform: string; userId: string; value: FeedbackValue }): Promise<boolean> {
  return upsertVote(db, { messageId: f.messageId, platform: f.platform }, f.userId, f.value);
}

/** {@link recordFeedback} scoped to a target. Params: target, user id, value. */
export async function upsertVote(db: Pick<Db, 'query'>, t: FeedbackTarget, userId: string, value: FeedbackValue): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO feedback (message_id, platform, user_id, value) SELECT id, $2, $5, $6 FROM (${TARGET}) m
     ON CONFLICT (message_id, user_id) DO UPDATE SET value = EXCLUDED.value, created_at = now(),
       correction = CASE WHEN EXCLUDED.value = 'up' THEN NULL ELSE feedback.correction END
     RETURNING message_id`,
    [t.messageId, t.platform, t.tenant ?? null, t.channel ?? null, userId, value],
  );
  return rows.length > 0;
}

/**
 * Stores "what would have been right" with the user's vote on the answer: a correction is a 👎
 * (the vote becomes `down`), and a later correction replaces the earlier one. Params: target,
 * user id, correction text.
 */
export async function upsertCorrection(db: Pick<Db, 'query'>, t: FeedbackTarget, userId: string, correction: string): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO feedback (message_id, platform, user_id, value, correction) SELECT id, $2, $5, 'down', $6 FROM (${TARGET}) m
     ON CONFLICT (message_id, user_id) DO UPDATE SET value = 'down', correction = EXCLUDED.correction, created_at = now()
     RETURNING message_id`,
    [t.messageId, t.platform, t.tenant ?? null, t.channel ?? null, userId, safeText(correction)],
  );
  return rows.length > 0;
}

/** Every user's current vote (and correction) on a message, oldest first. */
export async function listFeedback(db: Pick<Db, 'query'>, messageId: string): Promise<Array<{ userId: string; value: FeedbackValue; correction?: string }>> {
  const { rows } = await db.query<{ user_id: string; value: FeedbackValue; correction: string | null }>(
    'SELECT user_id, value, correction FROM feedback WHERE message_id = $1 ORDER BY created_at', [messageId]);
  return rows.map((r) => ({ userId: r.user_id, value: r.value, ...(r.correction !== null ? { correction: r.correction } : {}) }));
}
