import { createHash } from 'node:crypto';
import type { Db } from '../storage/index.js';
import { safeJson } from '../storage/index.js';

/** A document given to the model for an answer, with the version it had then. */
export interface ProvenanceDocument {
  /** The `[n]` number under the answer. */
  n: number;
  documentId?: string;
  scope?: string;
  source: string;
  version?: number;
  contentSha256?: string;
  web?: boolean;
}

/** What produced one answer. */
export interface AnswerProvenance {
  /** sha256 of the system prompt text used (the prompt's version). */
  promptSha256: string;
  /** Model file name (e.g. `DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf`). */
  modelName: string;
  /** sha256 of the model file; null when it could not be read. */
  modelSha256: string | null;
  /** Engine and version, e.g. `node-llama-cpp@3.21.1`. */
  engine: string;
  /** LoRA adapter applied, or null. */
  adapter: string | null;
  documents: ProvenanceDocument[];
}

/** sha256 (hex) of a prompt text: its version in the provenance record. */
export const promptSha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The documents an answer was given, with their versions now (read in the same step as the answer
 * is stored, so a re-ingestion later does not change what is recorded). `sources[i]` ↔ `documentIds[i]`.
 */
export async function documentsWithVersions(
  db: Pick<Db, 'query'>,
  sources: ReadonlyArray<{ n: number; source: string; web?: boolean; scope?: string; documentId?: string }>,
): Promise<ProvenanceDocument[]> {
  // Only ids of stored documents (kb_documents.id); a retriever of another kind may use its own ids.
  const ids = [...new Set(sources.filter((s) => !s.web && s.documentId && /^\d{1,18}$/.test(s.documentId)).map((s) => s.documentId!))];
  const versions = new Map<string, { version: number; sha: string; scope: string }>();
  if (ids.length) {
    const { rows } = await db.query<{ id: string | number; version: number; content_sha256: string; scope: string }>(
      'SELECT d.id, d.version, d.content_sha256, s.name AS scope FROM kb_documents d JOIN kb_scopes s ON s.id = d.scope_id WHERE d.id = ANY($1::bigint[])',
      [ids],
    );
    for (const r of rows) versions.set(String(r.id), { version: Number(r.version), sha: r.content_sha256, scope: r.scope });
  }
  return sources.map((s) => {
    const v = s.documentId ? versions.get(s.documentId) : undefined;
    return s.web
      ? { n: s.n, source: s.source, web: true }
      : { n: s.n, source: s.source, documentId: s.documentId, scope: v?.scope ?? s.scope, version: v?.version, contentSha256: v?.sha };
  });
}

/** Records (or replaces, on a retried job) what produced a message's answer. Params: message id, provenance. */
export async function recordProvenance(db: Pick<Db, 'query'>, messageId: string, p: AnswerProvenance): Promise<void> {
  await db.query(
    `INSERT INTO answer_provenance (message_id, prompt_sha256, model_name, model_sha256, engine, adapter, documents)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (message_id) DO UPDATE SET prompt_sha256 = EXCLUDED.prompt_sha256, model_name = EXCLUDED.model_name,
       model_sha256 = EXCLUDED.model_sha256, engine = EXCLUDED.engine, adapter = EXCLUDED.adapter, documents = EXCLUDED.documents, recorded_at = now()`,
    [messageId, p.promptSha256, p.modelName, p.modelSha256, p.engine, p.adapter, safeJson(p.documents)],
  );
}

/** The provenance of a message's answer, or null (not answered, or answered before it was recorded). */
export async function getProvenance(db: Pick<Db, 'query'>, messageId: string): Promise<(AnswerProvenance & { recordedAt: Date }) | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM answer_provenance WHERE message_id = $1', [messageId]);
  const r = rows[0];
  if (!r) return null;
  return {
    promptSha256: r.prompt_sha256 as string,
    modelName: r.model_name as string,
    modelSha256: (r.model_sha256 as string | null) ?? null,
    engine: r.engine as string,
    adapter: (r.adapter as string | null) ?? null,
    documents: (r.documents as ProvenanceDocument[]) ?? [],
    recordedAt: r.recorded_at as Date,
  };
}
