import { createQueryRewriter, createRetriever, createSearxngSearch, DEFAULT_FEEDBACK, LlamaEmbedder, loadSynonyms, type Engine, type Runtime, type AnswerKnowledgeDeps, type Embedder } from '../src/index.js';

export interface KnowledgeHandle {
  deps: Omit<AnswerKnowledgeDeps, 'db'>;
  embedder?: LlamaEmbedder;
  close(): Promise<void>;
}

/**
 * Builds what chat answers need for per-channel knowledge from config: the retriever (full-text
 * always; vectors when EMBEDDING_MODEL_PATH is set; SearXNG when WEB_SEARCH_URL is set; query
 * rewriting by `engine` when RAG_QUERY_REWRITE is on).
 */
export async function createKnowledge(rt: Runtime, engine?: Pick<Engine, 'generate'>): Promise<KnowledgeHandle> {
  const { cfg, log } = rt;
  const embedder = cfg.EMBEDDING_MODEL_PATH
    ? await LlamaEmbedder.create({ modelPath: cfg.EMBEDDING_MODEL_PATH, threads: cfg.EMBEDDING_THREADS, contextSize: cfg.EMBEDDING_CONTEXT_SIZE, gpu: cfg.LLAMA_GPU, log })
    : undefined;
  return {
    deps: await knowledgeDepsFor(rt, embedder, engine),
    embedder,
    close: async () => embedder?.close(),
  };
}

/**
 * What answers (and the admin console's "test a question") retrieve with: the configured retriever
 * over this embedder, if any, and query rewriting by `engine` when RAG_QUERY_REWRITE is on.
 */
export async function knowledgeDepsFor(rt: Runtime, embedder: Embedder | undefined, engine?: Pick<Engine, 'generate'>): Promise<Omit<AnswerKnowledgeDeps, 'db'>> {
  const { cfg, log } = rt;
  const web = cfg.WEB_SEARCH_URL ? createSearxngSearch({ url: cfg.WEB_SEARCH_URL, allowDomains: cfg.WEB_SEARCH_DOMAINS, timeoutMs: cfg.WEB_SEARCH_TIMEOUT_MS, log }) : undefined;
  const retriever = createRetriever({
    db: rt.db, embedder, web, log,
    alpha: cfg.RAG_HYBRID_ALPHA, fusion: cfg.RAG_FUSION, minMatch: cfg.RAG_MIN_MATCH, minBestMatch: cfg.RAG_MIN_BEST_MATCH, minSimilarity: cfg.RAG_MIN_SIMILARITY, minVectorOnlySimilarity: cfg.RAG_MIN_VECTOR_ONLY_SIMILARITY,
    synonyms: cfg.RAG_SYNONYMS_FILE ? await loadSynonyms(cfg.RAG_SYNONYMS_FILE) : undefined, synonymWeight: cfg.RAG_SYNONYM_WEIGHT,
    maxPerDoc: cfg.RAG_MAX_PER_DOC, docWeight: cfg.RAG_DOC_WEIGHT, feedback: cfg.RAG_FEEDBACK ? DEFAULT_FEEDBACK : false,
    // RAG_QUERY_REWRITE: the answering engine (R1) rewrites questions before retrieval.
    rewrite: cfg.RAG_QUERY_REWRITE && engine ? createQueryRewriter({ engine, timeoutMs: cfg.RAG_QUERY_REWRITE_TIMEOUT_MS, log }) : undefined,
  });
  return { retriever, k: cfg.RAG_TOP_K, maxChars: cfg.RAG_CONTEXT_MAX_CHARS, webConfigured: web !== undefined, webAlpha: cfg.WEB_HYBRID_ALPHA };
}
