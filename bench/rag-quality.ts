import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Embedder, RetrievedChunk } from '../src/index.js';
import { createRetriever } from '../src/index.js';

export interface LabelledQuestion {
  q: string;
  relevant: Array<{ doc: string; section?: string }>;
}
export interface QuestionSet {
  questions: LabelledQuestion[];
  negatives: string[];
}

export const QUESTIONS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data', 'klipper-questions.json');

export async function loadQuestions(file = QUESTIONS_FILE): Promise<QuestionSet> {
  return JSON.parse(await readFile(file, 'utf8')) as QuestionSet;
}

type Hit = Pick<RetrievedChunk, 'source' | 'headingPath'>;

export const isRelevant = (h: Hit, q: LabelledQuestion) =>
  q.relevant.some((r) => h.source === r.doc && (!r.section || h.headingPath.some((x) => x.toLowerCase().includes(r.section!.toLowerCase()))));

/** A ranking method under test: question → chunks, best first (at most 10). */
export type Ranker = (question: string) => Promise<Hit[]>;

export interface QualityResult {
  method: string;
  recallAt1: number;
  recallAt5: number;
  mrrAt10: number;
  /** Questions with no result at all. */
  empty: number;
  /** Out-of-corpus questions that still got results (lower is better). */
  negativesWithHits: number;
}

/** Recall@1, Recall@5 (a relevant chunk in the top k) and MRR@10 over the labelled questions. */
export async function evaluate(method: string, rank: Ranker, set: QuestionSet): Promise<QualityResult> {
  let r1 = 0;
  let r5 = 0;
  let mrr = 0;
  let empty = 0;
  for (const q of set.questions) {
    const hits = (await rank(q.q)).slice(0, 10);
    if (hits.length === 0) empty++;
    const first = hits.findIndex((h) => isRelevant(h, q));
    if (first === 0) r1++;
    if (first >= 0 && first < 5) r5++;
    if (first >= 0) mrr += 1 / (first + 1);
  }
  let neg = 0;
  for (const q of set.negatives) if ((await rank(q)).length > 0) neg++;
  const n = set.questions.length;
  return { method, recallAt1: r1 / n, recallAt5: r5 / n, mrrAt10: mrr / n, empty, negativesWithHits: neg };
}

/** Fails loudly when a label names a document or section that no chunk has (a typo would silently lower recall). */
export async function checkLabels(db: Db, scope: string, set: QuestionSet): Promise<void> {
  const { rows } = await db.query<{ source: string; heading_path: string[] }>(
    'SELECT d.source, c.heading_path FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id JOIN kb_scopes s ON s.id = c.scope_id WHERE s.name = $1',
    [scope],
  );
  for (const q of set.questions) {
    for (const r of q.relevant) {
      if (!rows.some((c) => isRelevant({ source: c.source, headingPath: c.heading_path }, { q: q.q, relevant: [r] }))) {
        throw new Error(`label matches no chunk: ${JSON.stringify(r)} (question ${JSON.stringify(q.q)})`);
      }
    }
  }
}

const hitsOf = (rows: Array<{ source: string; heading_path: string[] }>): Hit[] => rows.map((r) => ({ source: r.source, headingPath: r.heading_path }));

/** Baseline 1: `websearch_to_tsquery` (every word required), ranked by `ts_rank_cd`. */
export const andBaseline = (db: Db, scope: string): Ranker => async (q) =>
  hitsOf((await db.query<{ source: string; heading_path: string[] }>(
    `SELECT d.source, c.heading_path FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id JOIN kb_scopes s ON s.id = c.scope_id,
       websearch_to_tsquery('english', $2) q
     WHERE s.name = $1 AND c.tsv @@ q ORDER BY ts_rank_cd(c.tsv, q) DESC, c.id LIMIT 10`,
    [scope, q],
  )).rows);

/** Baseline 2: an OR of the question's lexemes, ranked by `ts_rank_cd`. */
export const orBaseline = (db: Db, scope: string): Ranker => async (q) =>
  hitsOf((await db.query<{ source: string; heading_path: string[] }>(
    `WITH q AS (SELECT to_tsquery('english', string_agg(quote_literal(lexeme), ' | ')) AS q FROM unnest(to_tsvector('english', $2)))
     SELECT d.source, c.heading_path FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id JOIN kb_scopes s ON s.id = c.scope_id, q
     WHERE s.name = $1 AND q.q IS NOT NULL AND c.tsv @@ q.q ORDER BY ts_rank_cd(c.tsv, q.q) DESC, c.id LIMIT 10`,
    [scope, q],
  )).rows);

/** The project's retriever with given settings. */
export const retrieverRanker = (db: Db, scope: string, o: { alpha: number; embedder?: Embedder; fusion?: 'rrf' | 'score' }): Ranker => {
  const r = createRetriever({ db, alpha: o.alpha, embedder: o.embedder, fusion: o.fusion });
  return (q) => r.retrieve({ scopes: [scope], query: q, k: 10 });
};
