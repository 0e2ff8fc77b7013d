/**
 * The retrieval contract shared by chat answers and diagnosis. The knowledge issue implements it
 * (`src/rag/`); everything else depends only on these types.
 */

/** A chunk returned by retrieval, with what a citation needs. */
export interface RetrievedChunk {
  chunkId: string;
  /** Scope name the chunk belongs to (e.g. `plant-a-pumps`); `web` for web results. */
  scope: string;
  documentId: string;
  title: string;
  /** Path as ingested (relative to the folder given to `ingest`), or URL for web results. */
  source: string;
  /** Heading path of the section, outermost first. */
  headingPath: string[];
  text: string;
  /** Fused relevance score, higher is better. */
  score: number;
  /** True for web-search results (badged in replies). */
  web?: boolean;
}

export interface RetrieveRequest {
  /** Scope names to search; an empty list returns nothing (never "all scopes"). */
  scopes: string[];
  query: string;
  /** Maximum chunks. */
  k: number;
  /**
   * Text searched alongside the query at a lower weight, e.g. a thread's topic for a follow-up.
   * It ranks, but never decides alone whether anything was found.
   */
  context?: { text: string; weight: number };
  /** Character budget for the returned chunks' text (top-k trimmed to fit). */
  maxChars?: number;
  /**
   * Also search the web (when the retriever has web search) and blend: `alpha` is the weight of
   * local documents (1 = local only). Web results have `web: true` and scope `web`.
   */
  web?: { alpha: number };
}

export interface Retriever {
  retrieve(req: RetrieveRequest): Promise<RetrievedChunk[]>;
}

/** A numbered source as shown under an answer (`[1]` in the text ↔ `sources[0]`). */
export interface SourceRef {
  n: number;
  title: string;
  source: string;
  section: string;
  web?: boolean;
}
