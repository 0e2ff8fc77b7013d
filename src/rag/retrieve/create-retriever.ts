import type { Logger } from '../../log/logger.js';
import type { Db } from '../../storage/index.js';
import { normalize, type Embedder } from '../embedder.js';
import { scopeIdsByName } from '../scope-store.js';
import type { RetrievedChunk, RetrieveRequest, Retriever } from '../types.js';
import type { WebSearch } from '../web/web-search.js';
import { blendWeb } from '../web/blend-web.js';
import { fuseRankings, type FusionMethod } from './fuse.js';
import { lexicalSearch } from './lexical.js';
import { loadChunks, trimToBudget } from './load-chunks.js';
import { hasPgvector, MemoryVectorIndex, pgvectorSearch, type VectorHit } from './vector.js';

export interface RetrieverOptions {
  db: Db;
  /** Enables vector retrieval (fused with full-text). */
  embedder?: Embedder;
  /** Weight of the full-text ranking against the vector ranking, 0–1. Defaults to 0.5. */
  alpha?: number;
  /** Defaults to `rrf`. */
  fusion?: FusionMethod;
  /** Minimum share of the question's IDF mass a full-text hit must match. Defaults to 0.2. */
  minMatch?: number;
  /** Minimum cosine for a vector hit. Defaults to 0.3. */
  minSimilarity?: number;
  /** `auto` (default): pgvector when installed, else an exact scan in memory. */
  vectorMode?: 'auto' | 'pgvector' | 'memory';
  /** Web search for requests that ask for it (`RetrieveRequest.web`). */
  web?: WebSearch;
  log?: Logger;
}

/** Per-stage detail of the last retrieval, for benchmarks and debugging. */
export interface RetrievalTrace {
  lexical: number;
  vector: number;
  web: number;
  webError?: string;
}

export interface KnowledgeRetriever extends Retriever {
  retrieveWithTrace(req: RetrieveRequest): Promise<{ chunks: RetrievedChunk[]; trace: RetrievalTrace }>;
}

/**
 * The retriever: full-text (always) and vectors (with an embedder) over the requested scopes
 * only, fused, optionally blended with web results, trimmed to `k` and the character budget.
 * Scope isolation: every query filters on the resolved scope ids; an empty list returns nothing.
 */
export function createRetriever(o: RetrieverOptions): KnowledgeRetriever {
  const alpha = o.alpha ?? 0.5;
  const fusion = o.fusion ?? 'rrf';
  const minMatch = o.minMatch ?? 0.2;
  const minSimilarity = o.minSimilarity ?? 0.3;
  const memory = new MemoryVectorIndex();
  let pgvector: Promise<boolean> | undefined;

  const vectorSearch = async (scopeIds: string[], query: string, limit: number): Promise<VectorHit[]> => {
    if (!o.embedder || alpha >= 1) return [];
    const [v] = await o.embedder.embed([query]);
    const q = normalize(v!);
    const mode = o.vectorMode ?? 'auto';
    const usePg = mode === 'pgvector' || (mode === 'auto' && (await (pgvector ??= hasPgvector(o.db).catch(() => false))));
    const hits = usePg ? await pgvectorSearch(o.db, scopeIds, q, limit) : await memory.search(o.db, scopeIds, q, limit);
    return hits.filter((h) => h.similarity >= minSimilarity);
  };

  const retrieveWithTrace = async (req: RetrieveRequest): Promise<{ chunks: RetrievedChunk[]; trace: RetrievalTrace }> => {
    const trace: RetrievalTrace = { lexical: 0, vector: 0, web: 0 };
    const k = Math.max(0, Math.floor(req.k));
    if (k === 0) return { chunks: [], trace };
    let local: RetrievedChunk[] = [];
    const ids = req.scopes.length > 0 ? [...(await scopeIdsByName(o.db, req.scopes)).keys()] : [];
    if (ids.length > 0 && req.query.trim()) {
      const depth = Math.max(20, k * 4);
      const [lex, vec] = await Promise.all([
        alpha > 0 ? lexicalSearch(o.db, ids, req.query, { limit: depth, minMatch }) : Promise.resolve([]),
        vectorSearch(ids, req.query, depth),
      ]);
      trace.lexical = lex.length;
      trace.vector = vec.length;
      const fused = fuseRankings([
        { weight: alpha, items: lex.map((h) => ({ id: h.id, score: h.score })) },
        { weight: 1 - alpha, items: vec.map((h) => ({ id: h.id, score: h.similarity })) },
      ], fusion).slice(0, depth);
      const rows = await loadChunks(o.db, ids, fused.map((f) => f.id));
      local = fused.flatMap((f) => {
        const r = rows.get(f.id);
        return r ? [{ ...r, score: f.score }] : [];
      });
    }
    let chunks = local;
    if (req.web && o.web) {
      const res = await o.web.search(req.query, k);
      trace.web = res.results.length;
      if (res.error) trace.webError = res.error;
      chunks = blendWeb(local, res.results, req.web.alpha);
    }
    return { chunks: trimToBudget(chunks, k, req.maxChars), trace };
  };

  return {
    retrieve: async (req) => (await retrieveWithTrace(req)).chunks,
    retrieveWithTrace,
  };
}
