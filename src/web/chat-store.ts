import type { Db } from '../storage/index.js';

type Q = Pick<Db, 'query'>;

/** One web conversation of one user. Its turns are the message log's rows with thread = `id`. */
export interface WebChat {
  id: string;
  userId: string;
  tenant: string;
  /** The group the chat draws knowledge from (the conversation key's channel); `*` = everyone's. */
  group: string;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

const toChat = (r: Record<string, unknown>): WebChat => ({
  id: String(r.id), userId: String(r.user_id), tenant: String(r.tenant), group: String(r.web_group), title: String(r.title),
  createdAt: new Date(r.created_at as string), updatedAt: new Date(r.updated_at as string),
});

/** Creates a chat (its title is the first question, shortened). */
export async function createWebChat(db: Q, c: Pick<WebChat, 'id' | 'userId' | 'tenant' | 'group' | 'title'>): Promise<WebChat> {
  const { rows } = await db.query<Record<string, unknown>>(
    'INSERT INTO web_chats (id, user_id, tenant, web_group, title) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [c.id, c.userId, c.tenant, c.group, c.title.slice(0, 120)],
  );
  return toChat(rows[0]!);
}

/** A user's chat, or null when it does not exist or belongs to someone else. */
export async function getWebChat(db: Q, userId: string, id: string): Promise<WebChat | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM web_chats WHERE id = $1 AND user_id = $2', [id, userId]);
  return rows[0] ? toChat(rows[0]) : null;
}

/** A user's chats, most recently used first. */
export async function listWebChats(db: Q, userId: string, limit = 50): Promise<WebChat[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM web_chats WHERE user_id = $1 ORDER BY updated_at DESC LIMIT $2', [userId, limit]);
  return rows.map(toChat);
}

/** Marks a chat as just used (it moves to the top of the list). */
export async function touchWebChat(db: Q, id: string): Promise<void> {
  await db.query('UPDATE web_chats SET updated_at = now() WHERE id = $1', [id]);
}

/** Deletes a user's chat from the list (the message log keeps its turns for audit). */
export async function deleteWebChat(db: Q, userId: string, id: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM web_chats WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId]);
  return rows.length > 0;
}
