import type { SourceRef } from '../rag/types.js';
import type { Db } from './db.js';
import { safeJson } from './safe-text.js';

/** How an answer used the channel's knowledge (see `knowledgeForQuestion`). */
export type MessageKnowledge = 'cited' | 'no_match' | 'model_only';

/** Records the sources given to the model for a message and how knowledge was used. Params: message id, status, sources. */
export async function recordMessageKnowledge(db: Pick<Db, 'query'>, id: string, knowledge: MessageKnowledge, sources: SourceRef[]): Promise<void> {
  await db.query('UPDATE messages SET knowledge = $2, sources = $3 WHERE id = $1', [id, knowledge, safeJson(sources)]);
}

/** {@link getMessageKnowledge} for many messages in one query, by message id (a missing id: no entry). */
export async function getMessagesKnowledge(db: Pick<Db, 'query'>, ids: string[]): Promise<Map<string, { knowledge: MessageKnowledge | null; sources: SourceRef[] }>> {
  const out = new Map<string, { knowledge: MessageKnowledge | null; sources: SourceRef[] }>();
  if (ids.length === 0) return out;
  const { rows } = await db.query<{ id: string | number; knowledge: MessageKnowledge | null; sources: SourceRef[] | null }>(
    'SELECT id, knowledge, sources FROM messages WHERE id = ANY($1::bigint[])', [ids]);
  for (const r of rows) out.set(String(r.id), { knowledge: r.knowledge ?? null, sources: r.sources ?? [] });
  return out;
}

/** The recorded sources and knowledge status of a message; null fields for messages answered without the knowledge step. */
export async function getMessageKnowledge(db: Pick<Db, 'query'>, id: string): Promise<{ knowledge: MessageKnowledge | null; sources: SourceRef[] }> {
  const { rows } = await db.query<{ knowledge: MessageKnowledge | null; sources: SourceRef[] | null }>('SELECT knowledge, sources FROM messages WHERE id = $1', [id]);
  return { knowledge: rows[0]?.knowledge ?? null, sources: rows[0]?.sources ?? [] };
}
