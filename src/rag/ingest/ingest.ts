import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Db } from '../../storage/index.js';
import { embeddingText, normalize, type Embedder } from '../embedder.js';
import { ensureScope, refreshScopeStats } from '../scope-store.js';
import { ensureVectorIndex, hasPgvector } from '../retrieve/vector.js';
import { chunkText, type TextChunk } from './chunk-text.js';
import { extractDocument, type DocumentFormat } from './extract.js';
import { walkInputs } from './walk.js';

export type FileOutcome = 'added' | 'replaced' | 'unchanged' | 'failed';

export interface IngestProgress {
  done: number;
  total: number;
  source: string;
  outcome: FileOutcome;
}

export interface IngestOptions {
  db: Db;
  scope: string;
  /** Files and folders. A document's source is its path relative to the folder given (a file: its name). */
  paths: string[];
  /** Embeds chunks for vector retrieval when set. */
  embedder?: Embedder;
  /** Chunk size in characters. Defaults to 1200. */
  maxChars?: number;
  /** Overlap between consecutive chunks of a section, in characters. Defaults to 150. */
  overlapChars?: number;
  /** Delete documents of the scope that were not seen in this run. Defaults to false. */
  prune?: boolean;
  /** Chunks per embedding call. Defaults to 32. */
  embedBatch?: number;
  onProgress?: (p: IngestProgress) => void;
}

export interface IngestSummary {
  scope: string;
  files: number;
  added: number;
  replaced: number;
  unchanged: number;
  /** Files reported and skipped (corrupt, unreadable, unsupported, empty); nothing else is affected. */
  failed: Array<{ source: string; error: string }>;
  /** Files in the given folders skipped for their type. */
  unsupported: number;
  pruned: number;
  /** Chunks written in this run. */
  chunks: number;
  /** Embedding dimensions written in this run (empty without an embedder). */
  embeddingDims: number[];
  ms: number;
}

interface Prepared {
  title: string;
  format: DocumentFormat;
  chars: number;
  chunks: TextChunk[];
  embeddings: number[][] | null;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ROWS_PER_INSERT = 200;

/**
 * Ingests files and folders into a scope (created if missing): unchanged documents (same content
 * sha256, and embedded by the current model when one is set) are skipped, changed ones replace
 * their old chunks in one transaction (version + 1), a file that cannot be read is reported and
 * skipped. BM25 statistics are refreshed at the end.
 */
export async function ingestPaths(o: IngestOptions): Promise<IngestSummary> {
  const t0 = performance.now();
  const scopeId = await ensureScope(o.db, o.scope);
  const walk = await walkInputs(o.paths);
  const summary: IngestSummary = {
    scope: o.scope, files: walk.files.length + walk.errors.length, added: 0, replaced: 0, unchanged: 0,
    failed: [...walk.errors], unsupported: walk.unsupported, pruned: 0, chunks: 0, embeddingDims: [], ms: 0,
  };
  const seen = new Set<string>();
  let done = 0;
  for (const f of walk.files) {
    let outcome: FileOutcome;
    if (seen.has(f.source)) {
      summary.failed.push({ source: f.source, error: `${f.source}: given twice (two folders hold the same relative path); the first was kept` });
      outcome = 'failed';
    } else {
      seen.add(f.source);
      try {
        outcome = await ingestFile(o, scopeId, f.file, f.source, summary);
      } catch (e) {
        summary.failed.push({ source: f.source, error: (e as Error).message });
        outcome = 'failed';
      }
    }
    if (outcome !== 'failed') summary[outcome]++;
    o.onProgress?.({ done: ++done, total: walk.files.length, source: f.source, outcome });
  }
  if (o.prune) {
    const { rows } = await o.db.query(`DELETE FROM kb_documents WHERE scope_id = $1 AND NOT (source = ANY($2::text[])) RETURNING id`, [scopeId, [...seen]]);
    summary.pruned = rows.length;
  }
  await refreshScopeStats(o.db, scopeId);
  // pgvector indexes need a fixed dimension: made once the model's dimension is known.
  for (const dims of summary.embeddingDims) if (await hasPgvector(o.db)) await ensureVectorIndex(o.db, dims);
  summary.ms = Math.round(performance.now() - t0);
  return summary;
}

async function ingestFile(o: IngestOptions, scopeId: string, file: string, source: string, summary: IngestSummary): Promise<FileOutcome> {
  const data = new Uint8Array(await readFile(file));
  const hash = sha256(data);
  const { rows } = await o.db.query<{ id: string; content_sha256: string; embedding_model: string | null }>(
    'SELECT id, content_sha256, embedding_model FROM kb_documents WHERE scope_id = $1 AND source = $2',
    [scopeId, source],
  );
  const existing = rows[0];
  if (existing && existing.content_sha256 === hash && (!o.embedder || existing.embedding_model === o.embedder.modelId)) return 'unchanged';
  const p = await prepare(o, data, source);
  await o.db.transaction(async (tx) => {
    const doc = await tx.query<{ id: string }>(
      `INSERT INTO kb_documents (scope_id, source, title, format, content_sha256, chars, embedding_model)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (scope_id, source) DO UPDATE SET title = $3, format = $4, chars = $6, embedding_model = $7, ingested_at = now(),
         version = kb_documents.version + CASE WHEN kb_documents.content_sha256 = $5 THEN 0 ELSE 1 END, content_sha256 = $5
       RETURNING id`,
      [scopeId, source, p.title, p.format, hash, p.chars, p.embeddings ? o.embedder!.modelId : null],
    );
    const docId = doc.rows[0]!.id;
    await tx.query('DELETE FROM kb_chunks WHERE document_id = $1', [docId]);
    for (let start = 0; start < p.chunks.length; start += ROWS_PER_INSERT) {
      const values: string[] = [];
      const params: unknown[] = [docId, scopeId, p.title];
      p.chunks.slice(start, start + ROWS_PER_INSERT).forEach((c, j) => {
        const i = start + j;
        const emb = p.embeddings?.[i] ?? null;
        const b = params.length;
        values.push(`($1, $2, $${b + 1}, $${b + 2}::text[], $${b + 3}, $3, $${b + 4}, $${b + 5}::real[], $${b + 6}::int)`);
        params.push(i, c.headingPath, c.headingPath.join(' > '), c.text, emb, emb ? emb.length : null);
      });
      await tx.query(
        `INSERT INTO kb_chunks (document_id, scope_id, ord, heading_path, heading_text, doc_title, text, embedding, embedding_dims) VALUES ${values.join(', ')}`,
        params,
      );
    }
  });
  summary.chunks += p.chunks.length;
  const dims = p.embeddings?.[0]?.length;
  if (dims && !summary.embeddingDims.includes(dims)) summary.embeddingDims.push(dims);
  return existing ? 'replaced' : 'added';
}

async function prepare(o: IngestOptions, data: Uint8Array, source: string): Promise<Prepared> {
  const doc = await extractDocument(data, source);
  const chunks = chunkText(doc.text, { maxChars: o.maxChars, overlapChars: o.overlapChars, syntax: doc.syntax });
  if (chunks.length === 0) throw new Error(`${source}: no text found${doc.format === 'pdf' ? ' (a scanned PDF needs OCR first)' : ''}`);
  let embeddings: number[][] | null = null;
  if (o.embedder) {
    const batch = o.embedBatch ?? 32;
    embeddings = [];
    for (let i = 0; i < chunks.length; i += batch) {
      const texts = chunks.slice(i, i + batch).map((c) => embeddingText(doc.title, c.headingPath, c.text));
      const vs = await o.embedder.embed(texts);
      embeddings.push(...vs.map(normalize));
    }
  }
  return { title: doc.title, format: doc.format, chars: doc.text.length, chunks, embeddings };
}
