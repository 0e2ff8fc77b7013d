import type { Logger } from '../log/logger.js';
import type { Engine } from '../engine/index.js';

/** The instruction R1 gets; the question follows as the user turn. */
export const REWRITE_INSTRUCTION = [
  'You turn a technician\'s chat question into search queries for equipment manuals.',
  'Write one search query with the words a manual would use for the same thing (component names,',
  'setting and command names, symptoms), and two or three different variants of it.',
  'Answer with JSON only: {"query": "...", "variants": ["...", "..."]}.',
].join(' ');

/** Output shape, enforced with the engine's JSON-schema grammar. */
export const REWRITE_SCHEMA = {
  type: 'object',
  properties: {
    query: { type: 'string', maxLength: 200 },
    variants: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 3 },
  },
  required: ['query', 'variants'],
} as const;

export interface QueryRewriterOptions {
  engine: Pick<Engine, 'generate'>;
  /** Tokens for the answer (reasoning included). Defaults to 512. */
  maxTokens?: number;
  /** R1's reasoning budget for the rewrite. Defaults to 128. */
  thoughtBudget?: number;
  /** After this the rewrite is abandoned and the question is searched as asked. Defaults to 15 s. */
  timeoutMs?: number;
  log?: Logger;
}

/** Parses the model's answer: the question first, then the query and variants (trimmed, deduplicated, at most four in all). */
export function parseRewrite(question: string, answer: string): string[] {
  const json = answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1);
  const v = JSON.parse(json) as { query?: unknown; variants?: unknown };
  const items = [v.query, ...(Array.isArray(v.variants) ? v.variants : [])].filter((x): x is string => typeof x === 'string');
  const out: string[] = [question];
  for (const x of items.map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean)) {
    if (!out.some((o) => o.toLowerCase() === x.toLowerCase())) out.push(x);
  }
  return out.slice(0, 4);
}

/**
 * `RAG_QUERY_REWRITE=on`: R1 rewrites a question into a search query and 2–3 variants; the
 * retriever searches the question and each of them and fuses the rankings (RRF). The question
 * itself is always kept, so a poor rewrite can add candidates but not remove the question's own.
 * An engine error, a timeout or output that is not the expected JSON throws; the retriever then
 * searches the question as asked.
 */
export function createQueryRewriter(o: QueryRewriterOptions): (question: string) => Promise<string[]> {
  return async (question) => {
    const t0 = performance.now();
    const res = await o.engine.generate({
      context: [{ role: 'system', text: REWRITE_INSTRUCTION }],
      question,
      maxTokens: o.maxTokens ?? 512,
      temperature: 0,
      thoughtBudget: o.thoughtBudget ?? 128,
      jsonSchema: REWRITE_SCHEMA,
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
    });
    if (res.stopped) throw new Error('query rewrite timed out');
    const queries = parseRewrite(question, res.answer);
    o.log?.debug({ ms: Math.round(performance.now() - t0), queries: queries.length }, 'query rewritten');
    return queries;
  };
}
