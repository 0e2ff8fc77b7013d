import type { HistoryMessage } from '../jobs/index.js';
import type { Db } from '../storage/index.js';
import { channelKnowledge, type ChannelRef } from './binding-store.js';
import { toSourceRefs } from './citations.js';
import type { Retriever, RetrievedChunk, SourceRef } from './types.js';

export type KnowledgeStatus = 'cited' | 'no_match' | 'model_only';

export interface AnswerKnowledgeDeps {
  db: Db;
  retriever: Retriever;
  /** RAG_TOP_K. */
  k: number;
  /** RAG_CONTEXT_MAX_CHARS. */
  maxChars: number;
  /** Whether a web search endpoint is configured (WEB_SEARCH_URL). */
  webConfigured: boolean;
  /** WEB_HYBRID_ALPHA: local weight when the channel has not set its own. */
  webAlpha: number;
}

export interface AnswerKnowledge {
  status: KnowledgeStatus;
  /** The channel's bound scopes (empty for model-only answers). */
  scopes: string[];
  chunks: RetrievedChunk[];
  /** `[n]` ↔ `sources[n-1]`, as shown under the answer. */
  sources: SourceRef[];
}

/** A follow-up this short ("and after that?") is searched together with the previous question. */
const SHORT_QUESTION_WORDS = 5;

/** The text searched for a question: the question, plus the previous user message for a short follow-up. */
export function retrievalQuery(question: string, history: HistoryMessage[]): string {
  if (question.trim().split(/\s+/).length >= SHORT_QUESTION_WORDS) return question;
  const prev = [...history].reverse().find((m) => m.role === 'user');
  return prev ? `${prev.text.slice(0, 500)}\n${question}` : question;
}

/**
 * What a chat answer may draw on, for the channel the question came from: only the scopes bound
 * to that channel (platform + tenant + channel id), plus web results where the channel enabled
 * them. No bound scope and no web → `model_only`; nothing relevant found → `no_match`.
 */
export async function knowledgeForQuestion(deps: AnswerKnowledgeDeps, channel: ChannelRef, question: string, history: HistoryMessage[] = []): Promise<AnswerKnowledge> {
  const ck = await channelKnowledge(deps.db, channel);
  const web = ck.webSearch && deps.webConfigured;
  if (ck.scopes.length === 0 && !web) return { status: 'model_only', scopes: [], chunks: [], sources: [] };
  const chunks = await deps.retriever.retrieve({
    scopes: ck.scopes,
    query: retrievalQuery(question, history),
    k: deps.k,
    maxChars: deps.maxChars,
    ...(web ? { web: { alpha: ck.hybridAlpha ?? deps.webAlpha } } : {}),
  });
  return { status: chunks.length ? 'cited' : 'no_match', scopes: ck.scopes, chunks, sources: toSourceRefs(chunks) };
}
