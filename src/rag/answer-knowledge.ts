import type { ConversationKey } from '../conversation/index.js';
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
/** Weight of the thread's topic against the question's words: a short follow-up leans on it more. */
export const TOPIC_WEIGHT_SHORT = 0.5;
export const TOPIC_WEIGHT = 0.2;

const isShort = (question: string) => question.trim().split(/\s+/).length < SHORT_QUESTION_WORDS;

/** The text searched for a question: the question, plus the previous user message for a short follow-up. */
export function retrievalQuery(question: string, history: HistoryMessage[]): string {
  if (!isShort(question)) return question;
  const prev = [...history].reverse().find((m) => m.role === 'user');
  return prev ? `${prev.text.slice(0, 500)}\n${question}` : question;
}

/** What a thread is about, for retrieval: its first question and the sources the bot cited in it. */
export interface ThreadTopic {
  firstQuestion?: string;
  /** `Title Section` of cited sources, first cited first, at most five. */
  sources: string[];
}

/** The topic text searched alongside a question in a thread, and its weight; none outside a thread. */
export function topicContext(question: string, topic: ThreadTopic): { text: string; weight: number } | undefined {
  const parts = [topic.firstQuestion?.trim() && topic.firstQuestion.trim() !== question.trim() ? topic.firstQuestion.slice(0, 500) : '', ...topic.sources].filter(Boolean);
  if (parts.length === 0) return undefined;
  return { text: parts.join('\n'), weight: isShort(question) ? TOPIC_WEIGHT_SHORT : TOPIC_WEIGHT };
}

/**
 * The thread's topic: the first user message of its history (else the first question the bot
 * logged in that thread) and the sources of the bot's cited answers there (`messages.sources`).
 */
export async function threadTopic(db: Pick<Db, 'query'>, key: ConversationKey, question: string, history: HistoryMessage[]): Promise<ThreadTopic> {
  const { rows } = await db.query<{ question: string; knowledge: string | null; sources: SourceRef[] | null }>(
    `SELECT question, knowledge, sources FROM messages WHERE platform = $1 AND tenant = $2 AND channel = $3 AND thread = $4 ORDER BY created_at, id LIMIT 50`,
    [key.platform, key.tenant, key.channel, key.thread],
  );
  const firstQuestion = history.find((m) => m.role === 'user')?.text ?? rows.find((r) => r.question.trim() !== question.trim())?.question;
  const sources: string[] = [];
  for (const r of rows) {
    if (r.knowledge !== 'cited') continue;
    for (const s of r.sources ?? []) {
      const t = `${s.title} ${s.section}`.trim();
      if (!s.web && !sources.includes(t) && sources.length < 5) sources.push(t);
    }
  }
  return { firstQuestion, sources };
}

/**
 * What a chat answer may draw on, for the channel the question came from: only the scopes bound
 * to that channel (platform + tenant + channel id), plus web results where the channel enabled
 * them. No bound scope and no web → `model_only`; nothing relevant found → `no_match`.
 */
export async function knowledgeForQuestion(deps: AnswerKnowledgeDeps, channel: ChannelRef & { thread?: string }, question: string, history: HistoryMessage[] = []): Promise<AnswerKnowledge> {
  const ck = await channelKnowledge(deps.db, channel);
  const web = ck.webSearch && deps.webConfigured;
  if (ck.scopes.length === 0 && !web) return { status: 'model_only', scopes: [], chunks: [], sources: [] };
  // In a thread (a follow-up), the thread's topic is searched too, at a lower weight.
  const topic = channel.thread ? topicContext(question, await threadTopic(deps.db, { ...channel, thread: channel.thread }, question, history)) : undefined;
  const chunks = await deps.retriever.retrieve({
    scopes: ck.scopes,
    query: retrievalQuery(question, history),
    ...(topic ? { context: topic } : {}),
    k: deps.k,
    maxChars: deps.maxChars,
    ...(web ? { web: { alpha: ck.hybridAlpha ?? deps.webAlpha } } : {}),
  });
  return { status: chunks.length ? 'cited' : 'no_match', scopes: ck.scopes, chunks, sources: toSourceRefs(chunks) };
}
