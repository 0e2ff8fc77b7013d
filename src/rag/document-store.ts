import type { Platform } from '../conversation/index.js';
import type { Db } from '../storage/index.js';
import { findScopeId, refreshScopeStats } from './scope-store.js';

/** One ingested document of a scope, as the admin console lists it. */
export interface DocumentInfo {
  id: string;
  /** Path as ingested (relative to the folder given, or the file name). */
  source: string;
  title: string;
  format: string;
  /** 1 on first ingestion, +1 each time its content changed. */
  version: number;
  chunks: number;
  chars: number;
  /** Embedding model of its chunks; null = full-text only. */
  embeddingModel: string | null;
  ingestedAt: Date;
}

/** A scope's documents, by path. */
export async function listDocuments(db: Pick<Db, 'query'>, scope: string): Promise<DocumentInfo[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT d.id, d.source, d.title, d.format, d.version, d.chars, d.embedding_model, d.ingested_at,
       (SELECT count(*) FROM kb_chunks c WHERE c.document_id = d.id) AS chunks
     FROM kb_documents d JOIN kb_scopes s ON s.id = d.scope_id WHERE s.name = $1 ORDER BY d.source`,
    [scope],
  );
  return rows.map((r) => ({
    id: String(r.id), source: String(r.source), title: String(r.title), format: String(r.format), version: Number(r.version), chunks: Number(r.chunks),
    chars: Number(r.chars), embeddingModel: r.embedding_model === null ? null : String(r.embedding_model), ingestedAt: new Date(r.ingested_at as string),
  }));
}

/** Deletes one document (its chunks go with it) and refreshes the scope's statistics. False when there was none. */
export async function deleteDocument(db: Pick<Db, 'query' | 'transaction'>, scope: string, source: string): Promise<boolean> {
  const scopeId = await findScopeId(db, scope);
  if (!scopeId) return false;
  const { rows } = await db.query('DELETE FROM kb_documents WHERE scope_id = $1 AND source = $2 RETURNING id', [scopeId, source]);
  if (!rows.length) return false;
  await refreshScopeStats(db, scopeId);
  return true;
}

/** Per-channel settings rows (web search, local weight), for the admin console. */
export async function listChannelSettings(db: Pick<Db, 'query'>): Promise<Array<{ platform: Platform; tenant: string; channel: string; webSearch: boolean; hybridAlpha: number | null }>> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT platform, tenant, channel, web_search, hybrid_alpha FROM kb_channel_settings ORDER BY platform, tenant, channel');
  return rows.map((r) => ({
    platform: r.platform as Platform, tenant: String(r.tenant), channel: String(r.channel), webSearch: r.web_search === true,
    hybridAlpha: r.hybrid_alpha === null ? null : Number(r.hybrid_alpha),
  }));
}
