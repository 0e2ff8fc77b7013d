import type { Db } from '../storage/index.js';
import { RagError } from './errors.js';

type Q = Pick<Db, 'query'>;

/** Scope names: lower-case letters, digits, `.`, `_`, `-`; 1–63 characters, starting alphanumeric. */
export const SCOPE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function assertScopeName(name: string): void {
  if (!SCOPE_NAME_RE.test(name)) {
    throw new RagError('scope_invalid', `invalid scope name ${JSON.stringify(name)}: use 1–63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

export interface ScopeInfo {
  id: string;
  name: string;
  documents: number;
  chunks: number;
  updatedAt: Date;
}

/** Returns the scope's id, creating the scope if it does not exist. */
export async function ensureScope(db: Q, name: string): Promise<string> {
  assertScopeName(name);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO kb_scopes (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [name],
  );
  return String(rows[0]!.id);
}

/** Scope id by name, or null. */
export async function findScopeId(db: Q, name: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM kb_scopes WHERE name = $1', [name]);
  return rows[0] ? String(rows[0].id) : null;
}

/** Ids of the named scopes that exist (unknown names are ignored). Params: names. */
export async function scopeIdsByName(db: Q, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; name: string }>('SELECT id, name FROM kb_scopes WHERE name = ANY($1::text[])', [names]);
  return new Map(rows.map((r) => [String(r.id), r.name]));
}

export async function listScopes(db: Q): Promise<ScopeInfo[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT s.id, s.name, s.updated_at,
       (SELECT count(*) FROM kb_documents d WHERE d.scope_id = s.id) AS documents,
       (SELECT count(*) FROM kb_chunks c WHERE c.scope_id = s.id) AS chunks
     FROM kb_scopes s ORDER BY s.name`,
  );
  return rows.map((r) => ({ id: String(r.id), name: String(r.name), documents: Number(r.documents), chunks: Number(r.chunks), updatedAt: r.updated_at as Date }));
}

/** Deletes a scope with its documents, chunks and bindings. Returns false when it did not exist. */
export async function deleteScope(db: Q, name: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM kb_scopes WHERE name = $1 RETURNING id', [name]);
  return rows.length > 0;
}

/**
 * Rebuilds a scope's BM25 statistics: document frequency per lexeme (`ts_stat`), chunk count and
 * average chunk length. Run after ingestion; retrieval reads them on every question.
 */
export async function refreshScopeStats(db: Pick<Db, 'transaction'>, scopeId: string): Promise<void> {
  if (!/^\d+$/.test(scopeId)) throw new RagError('scope_invalid', `invalid scope id ${JSON.stringify(scopeId)}`);
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM kb_terms WHERE scope_id = $1', [scopeId]);
    // ts_stat takes the query as text; the id is a validated integer literal.
    await tx.query(
      `INSERT INTO kb_terms (scope_id, lexeme, ndoc)
       SELECT $1, word, ndoc FROM ts_stat('SELECT tsv FROM kb_chunks WHERE scope_id = ${scopeId}')`,
      [scopeId],
    );
    await tx.query(
      `UPDATE kb_scopes SET updated_at = now(),
         chunk_count = (SELECT count(*) FROM kb_chunks WHERE scope_id = $1),
         avg_len = COALESCE((SELECT avg(len) FROM kb_chunks WHERE scope_id = $1), 0)
       WHERE id = $1`,
      [scopeId],
    );
  });
  // Fresh planner statistics, or a first big ingestion leaves the GIN index unused.
  await db.transaction(async (tx) => {
    await tx.exec('ANALYZE kb_chunks; ANALYZE kb_terms');
  });
}
