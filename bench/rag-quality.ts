import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, RetrievedChunk, RetrieverOptions } from '../src/index.js';
import { createRetriever } from '../src/index.js';

/**
 * `keyword`: asked in the manual's own words; `paraphrase`: a technician's words, mostly not the
 * manual's (written by reading the section, then describing the symptom or goal without its
 * terms); `token`: names a command, config option, error text or path.
 */
export type QuestionKind = 'keyword' | 'paraphrase' | 'token';
export const QUESTION_KINDS: QuestionKind[] = ['keyword', 'paraphrase', 'token'];
/** `tune`: what settings were chosen on; `heldout`: only measured, never tuned on. */
export type Split = 'tune' | 'heldout';

export interface LabelledQuestion {
  q: string;
  kind?: QuestionKind;
  split?: Split;
  relevant: Array<{ doc: string; section?: string }>;
}
export interface NegativeQuestion {
  q: string;
  split?: Split;
}
export interface QuestionSet {
  questions: LabelledQuestion[];
  negatives: NegativeQuestion[];
}

export const QUESTIONS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data', 'klipper-questions.json');

export async function loadQuestions(file = QUESTIONS_FILE): Promise<QuestionSet> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as { questions: LabelledQuestion[]; negatives: Array<string | NegativeQuestion> };
  return { questions: raw.questions, negatives: raw.negatives.map((n) => (typeof n === 'string' ? { q: n } : n)) };
}

/** The questions and negatives of one split (`all`: both). */
export function splitOf(set: QuestionSet, split: Split | 'all'): QuestionSet {
  const keep = (s: Split | undefined) => split === 'all' || (s ?? 'tune') === split;
  return { questions: set.questions.filter((q) => keep(q.split)), negatives: set.negatives.filter((n) => keep(n.split)) };
}

type Hit = Pick<RetrievedChunk, 'source' | 'headingPath'>;

export const isRelevant = (h: Hit, q: LabelledQuestion) =>
  q.relevant.some((r) => h.source === r.doc && (!r.section || h.headingPath.some((x) => x.toLowerCase().includes(r.section!.toLowerCase()))));

/** A ranking method under test: question → chunks, best first (at most 10). */
export type Ranker = (question: string) => Promise<Hit[]>;

/** Figures over a group of answerable questions. */
export interface Figures {
  n: number;
  /** A chunk of a labelled section first. */
  recallAt1: number;
  /** A chunk of a labelled section among the first five. */
  recallAt5: number;
  /** A chunk of a labelled document among the first five (what the user sees as sources). */
  docRecallAt5: number;
  mrrAt10: number;
  /** Answerable questions that got no result at all (a false "nothing found"). */
  empty: number;
}

export interface QualityResult {
  method: string;
  all: Figures;
  byKind: Partial<Record<QuestionKind, Figures>>;
  /** Out-of-corpus questions asked. */
  negatives: number;
  /** Out-of-corpus questions that still got results (false sources; lower is better). */
  negativesWithHits: number;
  /** Per-question latency of the ranker (ms). */
  p50Ms: number;
  p95Ms: number;
  /** Questions missed at 5, for reading (question, kind, first returned source). */
  misses: Array<{ q: string; kind?: QuestionKind; got: string }>;
  /** Backwards-compatible shorthands of `all`. */
  recallAt1: number;
  recallAt5: number;
  mrrAt10: number;
  empty: number;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Outcome { first: number; firstDoc: number; empty: boolean }

const figures = (os: Outcome[]): Figures => {
  const n = os.length || 1;
  return {
    n: os.length,
    recallAt1: os.filter((o) => o.first === 0).length / n,
    recallAt5: os.filter((o) => o.first >= 0 && o.first < 5).length / n,
    docRecallAt5: os.filter((o) => o.firstDoc >= 0 && o.firstDoc < 5).length / n,
    mrrAt10: os.reduce((sum, o) => sum + (o.first >= 0 ? 1 / (o.first + 1) : 0), 0) / n,
    empty: os.filter((o) => o.empty).length,
  };
};

/** Recall@1, Recall@5 (a relevant chunk in the top k), document Recall@5 and MRR@10, per kind and in all, plus false sources on negatives. */
export async function evaluate(method: string, rank: Ranker, set: QuestionSet): Promise<QualityResult> {
  const outcomes: Array<Outcome & { q: LabelledQuestion }> = [];
  const times: number[] = [];
  const misses: QualityResult['misses'] = [];
  for (const q of set.questions) {
    const t0 = performance.now();
    const hits = (await rank(q.q)).slice(0, 10);
    times.push(performance.now() - t0);
    const first = hits.findIndex((h) => isRelevant(h, q));
    const firstDoc = hits.findIndex((h) => q.relevant.some((r) => r.doc === h.source));
    outcomes.push({ q, first, firstDoc, empty: hits.length === 0 });
    if (first < 0 || first >= 5) misses.push({ q: q.q, kind: q.kind, got: hits[0] ? `${hits[0].source} › ${hits[0].headingPath.at(-1) ?? ''}` : '(nothing)' });
  }
  let neg = 0;
  for (const q of set.negatives) {
    const t0 = performance.now();
    if ((await rank(q.q)).length > 0) neg++;
    times.push(performance.now() - t0);
  }
  const all = figures(outcomes);
  const byKind: QualityResult['byKind'] = {};
  for (const k of QUESTION_KINDS) {
    const os = outcomes.filter((o) => o.q.kind === k);
    if (os.length) byKind[k] = figures(os);
  }
  return {
    method, all, byKind, negatives: set.negatives.length, negativesWithHits: neg, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), misses,
    recallAt1: all.recallAt1, recallAt5: all.recallAt5, mrrAt10: all.mrrAt10, empty: all.empty,
  };
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
export const retrieverRanker = (db: Db, scope: string, o: Omit<RetrieverOptions, 'db'>): Ranker => {
  const r = createRetriever({ db, ...o });
  return (q) => r.retrieve({ scopes: [scope], query: q, k: 10 });
};
