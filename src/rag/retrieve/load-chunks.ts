import type { Db } from '../../storage/index.js';
import type { RetrievedChunk } from '../types.js';

/** Chunk rows for ids, restricted to the given scopes (a second guard: ids never cross scopes). */
export async function loadChunks(db: Pick<Db, 'query'>, scopeIds: string[], ids: string[]): Promise<Map<string, Omit<RetrievedChunk, 'score'>>> {
  if (ids.length === 0 || scopeIds.length === 0) return new Map();
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT c.id, c.document_id, c.heading_path, c.text, d.title, d.source, s.name AS scope
     FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id JOIN kb_scopes s ON s.id = c.scope_id
     WHERE c.id = ANY($1::bigint[]) AND c.scope_id = ANY($2::bigint[])`,
    [ids, scopeIds],
  );
  return new Map(rows.map((r) => [String(r.id), {
    chunkId: String(r.id),
    scope: String(r.scope),
    documentId: String(r.document_id),
    title: String(r.title),
    source: String(r.source),
    headingPath: (r.heading_path as string[]) ?? [],
    text: String(r.text),
  }]));
}

/** Keeps chunks in order while they fit `maxChars` (the first one is truncated rather than dropped). */
export function trimToBudget<T extends { text: string }>(chunks: T[], k: number, maxChars?: number): T[] {
  const out: T[] = [];
  let used = 0;
  for (const c of chunks) {
    if (out.length >= k) break;
    if (maxChars === undefined) {
      out.push(c);
      continue;
    }
    if (used + c.text.length <= maxChars) {
      out.push(c);
      used += c.text.length;
    } else if (out.length === 0) {
      out.push({ ...c, text: `${c.text.slice(0, Math.max(0, maxChars - 1))}…` });
      used = maxChars;
    }
  }
  return out;
}
