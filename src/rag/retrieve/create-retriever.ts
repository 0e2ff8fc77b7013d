import type { Logger } from '../../log/logger.js';
import type { Db } from '../../storage/index.js';
import { normalize, type Embedder } from '../embedder.js';
import { scopeIdsByName } from '../scope-store.js';
import type { RetrievedChunk, RetrieveRequest, Retriever } from '../types.js';
import type { WebSearch } from '../web/web-search.js';
import { blendWeb } from '../web/blend-web.js';
import { diversify } from './diversify.js';
import { fuseRankings, type FusionMethod } from './fuse.js';
import { lexicalSearch, type FeedbackOptions } from './lexical.js';
import { synonymExpansions, type SynonymGroups } from './synonyms.js';
import { loadChunks, trimToBudget } from './load-chunks.js';
import { hasPgvector, MemoryVectorIndex, pgvectorSearch, type VectorHit } from './vector.js';

export interface RetrieverOptions {
  db: Db;
  /** Enables vector retrieval (fused with full-text). */
  embedder?: Embedder;
  /**
   * Weight of the full-text ranking against the vector ranking, 0–1. Defaults to 0.9: after the
   * second full-text pass, 0.8 fell below full-text alone with the tiny test embeddings (tune
   * R@5 0.78 vs 0.80); 0.9 gives R@1 0.59 / R@5 0.79 / doc R@5 0.87 / MRR 0.664 vs 0.58 / 0.80 /
   * 0.86 / 0.662 — still one question short on R@5 (README, Per-channel knowledge).
   */
  alpha?: number;
  /**
   * Defaults to `score`: RRF with α = 0.5 lost a fifth of Recall@5 on the tune split with the
   * tiny test embeddings (README, Per-channel knowledge).
   */
  fusion?: FusionMethod;
  /** Minimum share of the question's IDF mass a full-text hit must match. Defaults to {@link DEFAULT_MIN_MATCH}. */
  minMatch?: number;
  /**
   * "Nothing found" unless the best full-text hit matches at least this share of the question's
   * IDF mass (`RAG_MIN_BEST_MATCH`). Defaults to {@link DEFAULT_MIN_BEST_MATCH}.
   */
  minBestMatch?: number;
  /** Site thesaurus (`RAG_SYNONYMS_FILE`), applied to questions only. */
  synonyms?: SynonymGroups;
  /** Weight of a thesaurus member against the question's own words. Defaults to 0.5. */
  synonymWeight?: number;
  /** Pseudo-relevance feedback (`RAG_FEEDBACK=on` uses {@link DEFAULT_FEEDBACK}). Off when unset or `false`. */
  feedback?: FeedbackOptions | false;
  /** Chunks of one document before others get a place (`RAG_MAX_PER_DOC`). Defaults to {@link DEFAULT_MAX_PER_DOC}. */
  maxPerDoc?: number;
  /** Share of a chunk's score taken from its document's score. Defaults to {@link DEFAULT_DOC_WEIGHT}. */
  docWeight?: number;
  /**
   * Rewrites a question into search queries (the first replaces the question, the others are
   * searched too and fused). `RAG_QUERY_REWRITE=on` wires R1 here; a failure falls back to the question.
   */
  rewrite?: (question: string) => Promise<string[]>;
  /**
   * When full-text finds nothing (see `minBestMatch`), vector hits still count as sources only
   * at this cosine or above (`RAG_MIN_VECTOR_ONLY_SIMILARITY`). Unset = never: vectors re-rank and
   * add to what full-text found, but cannot turn "nothing found" into sources on their own
   * (with the tiny test embeddings every out-of-corpus question got sources). With α = 0
   * (vectors only) `minSimilarity` alone decides.
   */
  minVectorOnlySimilarity?: number;
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

/**
 * Defaults chosen on the `tune` split of bench/data/klipper-questions.json (see README,
 * "Per-channel knowledge (RAG)"), and checked on the `heldout` split.
 */
export const DEFAULT_MIN_MATCH = 0.2;
export const DEFAULT_MIN_BEST_MATCH = 0.37;
/** What `RAG_FEEDBACK=on` uses; off by default (it lowered Recall@5 on the tune split). */
export const DEFAULT_FEEDBACK: FeedbackOptions = { chunks: 5, terms: 10, weight: 0.15 };
/** Document-level fusion is off by default (it lowered Recall@1 on the tune split). */
export const DEFAULT_DOC_WEIGHT = 0;
export const DEFAULT_MAX_PER_DOC = 3;

export interface KnowledgeRetriever extends Retriever {
  retrieveWithTrace(req: RetrieveRequest): Promise<{ chunks: RetrievedChunk[]; trace: RetrievalTrace }>;
}

/**
 * The retriever: full-text (always) and vectors (with an embedder) over the requested scopes
 * only, fused, optionally blended with web results, trimmed to `k` and the character budget.
 * Scope isolation: every query filters on the resolved scope ids; an empty list returns nothing.
 */
export function createRetriever(o: RetrieverOptions): KnowledgeRetriever {
  const alpha = o.alpha ?? 0.9;
  const fusion = o.fusion ?? 'score';
  const minMatch = o.minMatch ?? DEFAULT_MIN_MATCH;
  const minBestMatch = o.minBestMatch ?? DEFAULT_MIN_BEST_MATCH;
  const feedback = o.feedback || undefined;
  const maxPerDoc = o.maxPerDoc ?? DEFAULT_MAX_PER_DOC;
  const docWeight = o.docWeight ?? DEFAULT_DOC_WEIGHT;
  const minSimilarity = o.minSimilarity ?? 0.3;
  const minVectorOnlySimilarity = o.minVectorOnlySimilarity ?? Infinity;
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
      let queries = [req.query];
      if (o.rewrite) {
        try {
          const rewritten = (await o.rewrite(req.query)).map((x) => x.trim()).filter(Boolean);
          if (rewritten.length) queries = rewritten.slice(0, 4);
        } catch (e) {
          o.log?.warn({ err: (e as Error).message }, 'query rewrite failed; searching the question as asked');
        }
      }
      const lists = await Promise.all(queries.map(async (query) => {
        const expansions = [
          ...(o.synonyms?.length ? synonymExpansions(query, o.synonyms).map((text) => ({ text, weight: o.synonymWeight ?? 0.5 })) : []),
          ...(req.context ? [{ text: req.context.text, weight: req.context.weight, credit: false }] : []),
        ];
        const [lex, vec] = await Promise.all([
          alpha > 0 ? lexicalSearch(o.db, ids, query, { limit: depth, minMatch, expansions, feedback }) : Promise.resolve([]),
          vectorSearch(ids, query, depth),
        ]);
        const found = lex.some((h) => h.matched >= minBestMatch);
        // "Nothing found" is full-text's call (vectors of a weak model are close to every
        // question), unless full-text is off (α = 0).
        if (alpha <= 0 || found) return { lex: found ? lex : [], vec };
        return { lex: [], vec: vec.filter((h) => h.similarity >= minVectorOnlySimilarity) };
      }));
      trace.lexical = lists.reduce((n, l) => n + l.lex.length, 0);
      trace.vector = lists.reduce((n, l) => n + l.vec.length, 0);
      const fused = fuseRankings(lists.flatMap(({ lex, vec }) => [
        { weight: alpha, items: lex.map((h) => ({ id: h.id, score: h.score })) },
        { weight: 1 - alpha, items: vec.map((h) => ({ id: h.id, score: h.similarity })) },
      ]), lists.length > 1 ? 'rrf' : fusion).slice(0, depth);
      const rows = await loadChunks(o.db, ids, fused.map((f) => f.id));
      local = diversify(fused.flatMap((f) => {
        const r = rows.get(f.id);
        return r ? [{ ...r, score: f.score }] : [];
      }), { maxPerDoc, docWeight });
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
