// Per-channel knowledge: scopes, ingestion, hybrid retrieval, web blend, /kb command.
export type { RetrievedChunk, RetrieveRequest, Retriever, SourceRef } from './types.js';
export { RagError } from './errors.js';
export type { RagErrorKind } from './errors.js';
export { normalize, embeddingText } from './embedder.js';
export type { Embedder } from './embedder.js';
export { SCOPE_NAME_RE, assertScopeName, ensureScope, findScopeId, listScopes, deleteScope, refreshScopeStats } from './scope-store.js';
export { listDocuments, deleteDocument, listChannelSettings } from './document-store.js';
export type { DocumentInfo } from './document-store.js';
export type { ScopeInfo } from './scope-store.js';
export {
  channelKnowledge, scopesForChannel, attachScope, detachScope, setWebSearch, listBindings, isKbAdmin, addKbAdmin, removeKbAdmin, listKbAdmins,
} from './binding-store.js';
export type { ChannelRef, ChannelKnowledge, BindingRow } from './binding-store.js';
export { chunkText, titleOf } from './ingest/chunk-text.js';
export type { TextChunk, ChunkOptions } from './ingest/chunk-text.js';
export { extractDocument, formatOf } from './ingest/extract.js';
export type { DocumentFormat, ExtractedDocument } from './ingest/extract.js';
export { ingestPaths } from './ingest/ingest.js';
export type { IngestOptions, IngestSummary, IngestProgress, FileOutcome } from './ingest/ingest.js';
export { createRetriever, DEFAULT_MIN_MATCH, DEFAULT_MIN_BEST_MATCH, DEFAULT_FEEDBACK, DEFAULT_DOC_WEIGHT, DEFAULT_MAX_PER_DOC } from './retrieve/create-retriever.js';
export { diversify } from './retrieve/diversify.js';
export type { DiversifyOptions } from './retrieve/diversify.js';
export { parseSynonyms, loadSynonyms, synonymExpansions, roughStem } from './retrieve/synonyms.js';
export type { SynonymGroups } from './retrieve/synonyms.js';
export type { FeedbackOptions, LexicalOptions, LexicalHit } from './retrieve/lexical.js';
export type { RetrieverOptions, KnowledgeRetriever, RetrievalTrace } from './retrieve/create-retriever.js';
export { lexicalSearch } from './retrieve/lexical.js';
export { fuseRankings, RRF_K } from './retrieve/fuse.js';
export type { FusionMethod, RankedList } from './retrieve/fuse.js';
export { hasPgvector, ensureVectorIndex, MemoryVectorIndex } from './retrieve/vector.js';
export { createSearxngSearch, isAllowedUrl } from './web/web-search.js';
export type { WebSearch, WebResult, WebSearchResponse, SearxngOptions } from './web/web-search.js';
export { blendWeb } from './web/blend-web.js';
// lexical/vector internals, load-chunks and the walker are internal to src/rag.
export { handleKbCommand, KB_USAGE, KB_REFUSAL } from './kb-command.js';
export type { KbCommandDeps, KbCommandInput, KbCommandResult } from './kb-command.js';
export { knowledgeForQuestion, retrievalQuery } from './answer-knowledge.js';
export type { AnswerKnowledgeDeps, AnswerKnowledge, KnowledgeStatus } from './answer-knowledge.js';
export { toSourceRefs, sectionOf, stripInvalidCitations, citedNumbers } from './citations.js';
export { MODEL_ONLY_NOTE, NO_MATCH_NOTE, sourceMarkdown, knowledgeMarkdown } from './knowledge-notes.js';
export type { KnowledgeOutcome } from './knowledge-notes.js';
export { createQueryRewriter, parseRewrite, REWRITE_INSTRUCTION, REWRITE_SCHEMA } from './query-rewrite.js';
export type { QueryRewriterOptions } from './query-rewrite.js';
export { threadTopic, topicContext } from './answer-knowledge.js';
export type { ThreadTopic } from './answer-knowledge.js';
