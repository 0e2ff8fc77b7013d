import type { Db } from './db.js';

export type FeedbackValue = 'up' | 'down';

/** Records a user's vote on an answer; a later vote by the same user replaces the earlier one. */
export async function recordFeedback(db: Pick<Db, 'query'>, f: { messageId: string; platform: string; userId: string; value: FeedbackValue }): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO feedback (message_id, platform, user_id, value) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM messages WHERE id = $1)
     ON CONFLICT (message_id, user_id) DO UPDATE SET value = EXCLUDED.value, created_at = now() RETURNING message_id`,
    [f.messageId, f.platform, f.userId, f.value],
  );
  return rows.length > 0;
}

export async function listFeedback(db: Pick<Db, 'query'>, messageId: string): Promise<Array<{ userId: string; value: FeedbackValue }>> {
  const { rows } = await db.query<{ user_id: string; value: FeedbackValue }>('SELECT user_id, value FROM feedback WHERE message_id = $1 ORDER BY created_at', [messageId]);
  return rows.map((r) => ({ userId: r.user_id, value: r.value }));
}
