// "Nothing found" calibration for bench:rag: for each threshold, answerable questions left
// without sources (false "nothing found") and out-of-corpus questions given sources, per split.
import { DEFAULT_MIN_BEST_MATCH, normalize, type Db, type Embedder } from '../src/index.js';
import { DEFAULT_MIN_MATCH } from '../src/rag/retrieve/create-retriever.js';
import { lexicalSearch } from '../src/rag/retrieve/lexical.js';
import { MemoryVectorIndex } from '../src/rag/retrieve/vector.js';
import { splitOf, type QuestionSet, type Split } from './rag-quality.js';

interface Rates { n: number; falseEmpty: number; negatives: number; falseSources: number }
export interface CalibrationRow { threshold: number; tune: Rates; heldout: Rates }
export interface Calibration { title: string; rows: CalibrationRow[] }

/** A question's evidence: it gets sources when this reaches the threshold. */
type Evidence = (question: string) => Promise<number>;

async function rates(set: QuestionSet, evidence: Evidence, thresholds: number[]): Promise<CalibrationRow[]> {
  const per = async (split: Split) => {
    const s = splitOf(set, split);
    return { pos: await Promise.all(s.questions.map((q) => evidence(q.q))), neg: await Promise.all(s.negatives.map((q) => evidence(q.q))) };
  };
  const m = { tune: await per('tune'), heldout: await per('heldout') };
  const row = (x: { pos: number[]; neg: number[] }, t: number): Rates => ({ n: x.pos.length, falseEmpty: x.pos.filter((v) => v < t).length, negatives: x.neg.length, falseSources: x.neg.filter((v) => v >= t).length });
  return thresholds.map((t) => ({ threshold: t, tune: row(m.tune, t), heldout: row(m.heldout, t) }));
}

const scopeIds = async (db: Db, scope: string) => (await db.query<{ id: string }>('SELECT id FROM kb_scopes WHERE name = $1', [scope])).rows.map((r) => String(r.id));

/** Full-text: the best hit's matched share of the question's IDF mass (`RAG_MIN_BEST_MATCH`). */
export async function calibrateFullText(db: Db, scope: string, set: QuestionSet): Promise<Calibration> {
  const ids = await scopeIds(db, scope);
  const best = async (q: string) => Math.max(0, ...(await lexicalSearch(db, ids, q, { limit: 20, minMatch: DEFAULT_MIN_MATCH })).map((h) => h.matched));
  return {
    title: `"Nothing found" threshold (RAG_MIN_BEST_MATCH, default ${DEFAULT_MIN_BEST_MATCH}): the best full-text hit's matched share of the question's IDF mass must reach it. Rates per split:`,
    rows: await rates(set, best, [0.2, 0.25, 0.3, 0.33, 0.35, 0.37, 0.4, 0.45, 0.5]),
  };
}

/**
 * Hybrid: questions full-text finds something for keep their sources; the others get sources when
 * their nearest chunk's cosine reaches `RAG_MIN_VECTOR_ONLY_SIMILARITY`. What an operator reads
 * before setting it for a real embedding model.
 */
export async function calibrateVectorOnly(db: Db, scope: string, set: QuestionSet, embedder: Embedder): Promise<Calibration> {
  const ids = await scopeIds(db, scope);
  const index = new MemoryVectorIndex();
  const evidence = async (q: string) => {
    const found = (await lexicalSearch(db, ids, q, { limit: 20, minMatch: DEFAULT_MIN_MATCH })).some((h) => h.matched >= DEFAULT_MIN_BEST_MATCH);
    if (found) return Infinity;
    const [v] = await embedder.embed([q]);
    return (await index.search(db, ids, normalize(v!), 1))[0]?.similarity ?? 0;
  };
  return {
    title: `Vector-only sources (RAG_MIN_VECTOR_ONLY_SIMILARITY, default unset = never) with ${embedder.modelId}: when full-text finds nothing, the nearest chunk's cosine must reach it. Rates per split (full-text's own "nothing found" at ${DEFAULT_MIN_BEST_MATCH} included):`,
    rows: await rates(set, evidence, [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, Infinity]),
  };
}

/** Prints one calibration table. */
export function printCalibration(c: Calibration, out: (l: string) => void): void {
  out(c.title);
  out('| threshold | tune: false "nothing found" | tune: negatives with sources | heldout: false "nothing found" | heldout: negatives with sources |');
  out('| --- | --- | --- | --- | --- |');
  for (const r of c.rows) {
    out(`| ${Number.isFinite(r.threshold) ? r.threshold : 'unset'} | ${r.tune.falseEmpty}/${r.tune.n} | ${r.tune.falseSources}/${r.tune.negatives} | ${r.heldout.falseEmpty}/${r.heldout.n} | ${r.heldout.falseSources}/${r.heldout.negatives} |`);
  }
}
