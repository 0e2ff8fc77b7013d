import type { Db } from '../../storage/index.js';

/**
 * Full-text ranking: an OR of the question's lexemes (stop words dropped by PostgreSQL's
 * `english` configuration), each weighted by its IDF in the bound scopes, scored BM25-style.
 *
 * Why not `websearch_to_tsquery`: it ANDs every word, and a chat question ("why does my extruder
 * keep clicking mid print") has words no single section holds, so it finds nothing. Why not
 * `ts_rank_cd` over an OR-query: it has no IDF (a common word counts as much as the fault
 * code) and no length normalisation, so long reference pages win. Here each term's tf comes from
 * `ts_rank` on that term alone (sublinear in occurrences, and weighting title and heading
 * matches above body matches), is turned into BM25's saturating term score with length
 * normalisation, and is multiplied by the term's IDF from `kb_terms`.
 */

/** Per-weight factors for `ts_rank`, in PostgreSQL's `{D, C, B, A}` order (each ≤ 1). Body = 1×, heading = 4.5×, title = 3× (chosen on the tune split: 3×/2× lost R@1 0.57 → 0.53). */
const RANK_WEIGHTS = [0.2, 0.2, 0.9, 0.6];
/** `ts_rank` of one body occurrence with {@link RANK_WEIGHTS}: divides ranks into "occurrence units". */
const UNIT_RANK = RANK_WEIGHTS[0]! / 1.64493406685;
const K1 = 1.2;
const B = 0.75;
/** Terms of at least this many characters also match longer words (`heat` → `heater`). */
const PREFIX_MIN_CHARS = 4;
/** Below this many chunks every matching term is scored (a 3-chunk scope has no stop words). */
const STOP_TERM_MIN_CHUNKS = 200;

/**
 * Candidate postings. 1000 → 500 left the tune split's figures unchanged (250 lost Recall@5)
 * and halves the ranking work at 100k chunks.
 */
export const DEFAULT_MAX_CANDIDATES = 500;
/** Chosen on the tune split (0 → 0.5: Recall@5 0.76 → 0.79). */
export const DEFAULT_PREFIX_WEIGHT = 0.5;

export interface LexicalOptions {
  /** Hits wanted. */
  limit: number;
  /** Share of the question's IDF mass a hit must match (0–1). */
  minMatch: number;
  /** About how many chunks are scored: rarer terms pick candidates up to this many postings (at most twice that are read). Defaults to {@link DEFAULT_MAX_CANDIDATES}. */
  maxCandidates?: number;
  /**
   * Extra texts searched with the question at a lower weight (site-thesaurus synonyms, rewritten
   * queries). They add to a chunk's score but not to the IDF mass `minMatch` is measured on.
   */
  expansions?: Array<{ text: string; weight: number; /** Counts towards `matched` (default true; false for thread context). */ credit?: boolean }>;
  /**
   * Weight of a question word's prefix match — every indexed word that starts with it: its own
   * forms again, and longer words that are not one of them (`ring` → `ringingtow` from
   * `ringing_tower.stl`, `press` → `pressur`). Defaults to {@link DEFAULT_PREFIX_WEIGHT}; 0 = word forms only.
   */
  prefixWeight?: number;
  /** Weight of the technical-token variants of the question (`kb_tech_terms`). Defaults to 0.5. */
  techWeight?: number;
  /** Pseudo-relevance feedback (RM3-style): a second pass with terms of the first pass's best chunks. Off when unset. */
  feedback?: FeedbackOptions;
}

export interface FeedbackOptions {
  /** Best chunks of the first pass the terms are drawn from. */
  chunks: number;
  /** Expansion terms added. */
  terms: number;
  /** Weight of the strongest expansion term against a question term (others proportionally less). */
  weight: number;
}

export interface LexicalHit {
  id: string;
  documentId: string;
  score: number;
  /** Share of the question's IDF mass this chunk matched. */
  matched: number;
}

interface TermRow {
  lexeme: string;
  w: string | number;
  orig: boolean;
  cr: boolean;
  n: string | number | null;
  avg_len: string | number | null;
  df: string | number;
  df_prefix: string | number;
  variants: string[] | null;
  df_loose: string | number;
}

/** A query term as scored: tsquery text, document frequency, IDF, weight, and whether it is the question's own. */
interface QTerm {
  lexeme: string;
  tsq: string;
  /** A prefix match (`press` → `press`, `pressur`): ranks candidates, never picks them. */
  loose?: boolean;
  /** Lexemes OR-ed in `tsq`: `ts_rank` of an OR divides by their count, so its tf is multiplied back. */
  ops: number;
  df: number;
  idf: number;
  w: number;
  orig: boolean;
  /**
   * What a match of this term counts towards `matched`: its IDF, also for technical-token variants
   * and thesaurus expansions (they stand for words of the question); 0 for feedback terms and
   * thread context.
   */
  credit: number;
}

/** tsquery text for one lexeme (quoted, so `printer.cfg` or `-214` stay one lexeme). */
const tsqTerm = (lexeme: string, prefix: boolean) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;
/** tsquery text for a lexeme and its indexed word-form variants (`heat` → `'heat' | 'heater'`). */
const tsqVariants = (forms: string[]) => (forms.length === 1 ? tsqTerm(forms[0]!, false) : `(${forms.map((v) => tsqTerm(v, false)).join(' | ')})`);
/**
 * What a longer indexed word may add to a question's lexeme and still be the same word
 * (`heat` → `heater`, `print` → `printer`, `calibr` → `calibration`): the English stemmer
 * leaves agent nouns and a few derivations apart. Anything else is another word (`press` →
 * `pressur`, `carri` → `carriag`, `hard` → `hardwar`) and is not matched.
 */
const VARIANT_SUFFIX_RE = '(e?r|ers|ors?|ing|ings|ed|e|es|s|al|ion|ions|ation|ations|y|ic|ical|ment|ments)';

/**
 * The tsquery that picks candidate chunks, sized to about `cap` postings (terms sorted rarest
 * first). Normally an OR of the rarer terms: commoner ones then only add to the score of what
 * those found. When even the rarest term is common, chunks must hold at least two of the three
 * rarest terms when that fits (sizes estimated as if terms were independent), else all three;
 * the caller bounds the candidate count in any case.
 */
export function candidateQuery(terms: Array<{ tsq: string; df: number }>, n: number, cap: number): string {
  const picked: string[] = [];
  let total = 0;
  for (const t of terms) {
    if (total + t.df > cap) break;
    picked.push(t.tsq);
    total += t.df;
  }
  if (picked.length > 0 || terms.length === 1) return picked.length ? picked.join(' | ') : terms[0]!.tsq;
  const [a, b, c] = terms.map((t) => ({ ...t, p: t.df / Math.max(1, n) }));
  if (!c) return `${a!.tsq} & ${b!.tsq}`;
  const twoOfThree = n * (a!.p * b!.p + a!.p * c.p + b!.p * c.p);
  if (twoOfThree <= cap) return `(${a!.tsq} & ${b!.tsq}) | (${a!.tsq} & ${c.tsq}) | (${b!.tsq} & ${c.tsq})`;
  return `${a!.tsq} & ${b!.tsq} & ${c.tsq}`;
}

type Q = Pick<Db, 'query' | 'transaction'>;

/**
 * Ranks chunks of the given scopes for a question. An empty scope list returns nothing.
 *
 * Terms: the question's lexemes (weight 1), the lexemes of its technical-token variants
 * (`kb_tech_terms`, the function the index applies to every chunk), and of any expansions.
 * With `feedback`, the first pass's best chunks lend their most characteristic terms (RM3:
 * P(term | chunk) weighted by the chunk's score, times IDF) to a second pass. `matched` (what
 * "nothing found" is decided on) is the IDF of the matched question terms, variants and
 * expansions over the question's own IDF mass, at most 1; feedback terms never count.
 */
export async function lexicalSearch(db: Q, scopeIds: string[], question: string, o: LexicalOptions): Promise<LexicalHit[]> {
  if (scopeIds.length === 0 || !question.trim()) return [];
  const texts = [
    { text: question, weight: 1, orig: true, credit: true },
    ...(o.expansions ?? []).filter((e) => e.text.trim() && e.weight > 0).map((e) => ({ text: e.text, weight: e.weight, orig: false, credit: e.credit !== false })),
  ];
  // One round trip: the lexemes with their document frequency (exact and as a prefix) in the
  // bound scopes, and the scopes' chunk count and average length.
  const { rows: terms } = await db.query<TermRow>(
    `WITH s AS (SELECT sum(chunk_count) AS n, sum(avg_len * chunk_count) / NULLIF(sum(chunk_count), 0) AS avg_len FROM kb_scopes WHERE id = ANY($2::bigint[])),
     i AS (SELECT * FROM unnest($1::text[], $3::float8[], $4::bool[], $6::bool[]) AS i(txt, w, orig, cr)),
     l AS (SELECT l.lexeme, i.w, i.orig, i.cr FROM i, unnest(to_tsvector('english', i.txt)) l
           UNION ALL SELECT l.lexeme, i.w * $5::float8, false, i.cr FROM i, unnest(to_tsvector('english', coalesce(kb_tech_terms(i.txt), ''))) l),
     q AS (SELECT lexeme, max(w) AS w, bool_or(orig) AS orig, bool_or(cr) AS cr FROM l GROUP BY lexeme)
     SELECT q.lexeme, q.w, q.orig, q.cr, s.n, s.avg_len, k.df, k.df_prefix, k.variants, k.df_loose
     FROM q CROSS JOIN s CROSS JOIN LATERAL (
       -- One range scan of the lexeme's prefix range: exact, word forms (with the exact one), any longer word.
       SELECT COALESCE(sum(t.ndoc) FILTER (WHERE t.lexeme = q.lexeme), 0) AS df,
         COALESCE(sum(t.ndoc) FILTER (WHERE t.lexeme = q.lexeme OR f.form), 0) AS df_prefix,
         array_agg(DISTINCT t.lexeme) FILTER (WHERE f.form AND length(q.lexeme) >= ${PREFIX_MIN_CHARS}) AS variants,
         COALESCE(sum(t.ndoc), 0) AS df_loose
       FROM kb_terms t CROSS JOIN LATERAL (SELECT t.lexeme <> q.lexeme AND substr(t.lexeme, length(q.lexeme) + 1) ~ ('^' || $7 || '$') AS form) f
       WHERE t.scope_id = ANY($2::bigint[])
         AND t.lexeme >= q.lexeme COLLATE "C" AND t.lexeme < (q.lexeme || chr(1114111)) COLLATE "C") k`,
    [texts.map((t) => t.text), scopeIds, texts.map((t) => t.weight), texts.map((t) => t.orig), o.techWeight ?? 0.5, texts.map((t) => t.credit), VARIANT_SUFFIX_RE],
  );
  if (terms.length === 0) return [];
  const n = Number(terms[0]!.n ?? 0);
  const avgLen = Number(terms[0]!.avg_len ?? 0) || 1;
  const idfOf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const qterms: QTerm[] = terms.map((r) => {
    const prefix = r.lexeme.length >= PREFIX_MIN_CHARS && Number(r.df_prefix) > Number(r.df);
    const df = Math.min(n, prefix ? Number(r.df_prefix) : Number(r.df));
    const idf = idfOf(df);
    const forms = prefix ? [...new Set([r.lexeme, ...(r.variants ?? [])])] : [r.lexeme];
    return { lexeme: r.lexeme, tsq: tsqVariants(forms), ops: forms.length, df, idf, w: Number(r.w), orig: r.orig, credit: r.cr ? idf : 0 };
  });
  // Every word that starts with the lexeme (its forms, compound identifiers such as
  // `ringing_tower.stl` → `ringingtow`, other words such as `pressur`): one more term at
  // `prefixWeight`. (Only where other words exist: tune R@1 0.55 → 0.53, R@5 0.78 → 0.75.)
  const pw = o.prefixWeight ?? DEFAULT_PREFIX_WEIGHT;
  if (pw > 0) {
    for (const r of terms) {
      const loose = Number(r.df_loose);
      if (r.lexeme.length < PREFIX_MIN_CHARS || loose === 0) continue;
      const df = Math.min(n, loose);
      qterms.push({ lexeme: `${r.lexeme}:*`, tsq: tsqTerm(r.lexeme, true), ops: 1, df, idf: idfOf(df), w: Number(r.w) * pw, orig: false, credit: 0, loose: true });
    }
  }
  const mass = qterms.reduce((sum, t) => sum + (t.orig ? t.idf : 0), 0);
  if (mass <= 0) return [];
  // In a sizeable scope, terms in more than half the chunks are its stop words (idf < ln 2): not scored.
  const scorable = (t: QTerm) => t.df > 0 && (n < STOP_TERM_MIN_CHUNKS || t.df <= n / 2);
  const scored = qterms.filter(scorable);
  if (scored.length === 0) return [];
  const ctx = { n, avgLen, mass, maxCandidates: o.maxCandidates ?? DEFAULT_MAX_CANDIDATES };
  const first = await scoreChunks(db, scopeIds, scored, ctx, o.minMatch, o.feedback ? Math.max(o.limit, o.feedback.chunks) : o.limit);
  if (!o.feedback || first.length === 0) return first.slice(0, o.limit);
  const extra = await feedbackTerms(db, scopeIds, first.slice(0, o.feedback.chunks), new Set(qterms.map((t) => t.lexeme)), n, o.feedback);
  if (extra.length === 0) return first.slice(0, o.limit);
  const expanded = [...scored, ...extra.map((e) => ({ lexeme: e.lexeme, tsq: tsqTerm(e.lexeme, false), ops: 1, df: e.df, idf: idfOf(e.df), w: e.w, orig: false, credit: 0 }))];
  return scoreChunks(db, scopeIds, expanded, ctx, o.minMatch, o.limit);
}

/** BM25 over candidate chunks for weighted terms; `matched` is the credited share of the question's IDF mass (at most 1). */
async function scoreChunks(db: Q, scopeIds: string[], scored: QTerm[], c: { n: number; avgLen: number; mass: number; maxCandidates: number }, minMatch: number, limit: number): Promise<LexicalHit[]> {
  // Candidates come from the question's words and their stand-ins; other prefix matches only rank.
  const picking = scored.filter((t) => !t.loose).sort((a, b) => a.df - b.df);
  if (picking.length === 0) return [];
  const cand = candidateQuery(picking, c.n, c.maxCandidates);
  const rows = await db.transaction(async (tx) => {
    // The planner prices `tsv @@ q` as cheap, but on a sequential scan it detoasts every chunk's
    // tsvector: the GIN index is always the better path for an OR of rarer terms.
    await tx.exec('SET LOCAL enable_seqscan = off');
    // Each candidate row is read once: `tsv || ''` detoasts its tsvector once (LIMIT keeps the
    // subquery from being flattened into the ts_rank calls), and the terms are a LATERAL inner
    // loop over that in-memory value. (A materialised CTE scanned once per term spilled to temp
    // files at 100k chunks.) OFFSET 0 keeps each ts_rank from being computed twice.
    return (await tx.query<{ id: string; document_id: string; score: number; matched: number }>(
      `WITH cand AS (SELECT id, document_id, len, tsv || ''::tsvector AS tsv FROM kb_chunks WHERE tsv @@ $4::tsquery AND scope_id = ANY($1::bigint[]) LIMIT $11),
       tf AS (SELECT cand.id, cand.document_id, cand.len, t.idf, t.w, t.oidf, t.tf FROM cand CROSS JOIN LATERAL (
                SELECT q.idf, q.w, q.oidf, ts_rank($5::float4[], cand.tsv, q.tsq) * q.ops / $6 AS tf
                FROM unnest($2::tsquery[], $3::float8[], $12::float8[], $13::float8[], $14::float8[]) AS q(tsq, idf, w, oidf, ops) OFFSET 0) t
              WHERE t.tf > 0)
       SELECT id, min(document_id) AS document_id, sum(w * idf * tf * ${K1 + 1} / (tf + ${K1} * (${1 - B} + ${B} * len / $7::float8))) AS score, least(1, sum(oidf) / $8::float8) AS matched
       FROM tf GROUP BY id
       HAVING least(1, sum(oidf) / $8::float8) >= $9::float8
       ORDER BY score DESC, id LIMIT $10`,
      [scopeIds, scored.map((t) => t.tsq), scored.map((t) => t.idf), cand, RANK_WEIGHTS, UNIT_RANK, c.avgLen, c.mass, minMatch, limit, c.maxCandidates * 2,
        scored.map((t) => t.w), scored.map((t) => t.credit), scored.map((t) => t.ops)],
    )).rows;
  });
  return rows.map((r) => ({ id: String(r.id), documentId: String(r.document_id), score: Number(r.score), matched: Number(r.matched) }));
}

/**
 * RM3-style expansion terms from the first pass's best chunks: for each lexeme, Σ over those
 * chunks of (its share of the chunk's positions × the chunk's share of their scores), times its
 * IDF; the question's own lexemes, terms in one chunk only, very common terms and bare numbers
 * are left out. Weights are scaled so the strongest term gets `o.weight`.
 */
async function feedbackTerms(db: Q, scopeIds: string[], top: LexicalHit[], exclude: Set<string>, n: number, o: FeedbackOptions): Promise<Array<{ lexeme: string; df: number; w: number }>> {
  const { rows } = await db.query<{ id: string; lexeme: string; tf: number; total: number; df: string | number }>(
    `WITH t AS (SELECT c.id, l.lexeme, coalesce(array_length(l.positions, 1), 1) AS tf FROM kb_chunks c, unnest(c.tsv) l
                WHERE c.id = ANY($1::bigint[]) AND c.scope_id = ANY($2::bigint[]))
     SELECT t.id, t.lexeme, t.tf, sum(t.tf) OVER (PARTITION BY t.id) AS total,
       (SELECT COALESCE(sum(k.ndoc), 0) FROM kb_terms k WHERE k.scope_id = ANY($2::bigint[]) AND k.lexeme = t.lexeme) AS df
     FROM t`,
    [top.map((h) => h.id), scopeIds],
  );
  const scoreSum = top.reduce((s, h) => s + h.score, 0) || 1;
  const share = new Map(top.map((h) => [h.id, h.score / scoreSum]));
  const acc = new Map<string, { rel: number; df: number }>();
  for (const r of rows) {
    const df = Number(r.df);
    if (exclude.has(r.lexeme) || df < 2 || df > n / 4 || r.lexeme.length < 3 || /^[-+]?[\d.]+$/.test(r.lexeme)) continue;
    const p = (Number(r.tf) / Math.max(1, Number(r.total))) * (share.get(String(r.id)) ?? 0);
    const a = acc.get(r.lexeme) ?? { rel: 0, df };
    a.rel += p;
    acc.set(r.lexeme, a);
  }
  const idf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const ranked = [...acc.entries()].map(([lexeme, a]) => ({ lexeme, df: a.df, v: a.rel * idf(a.df) })).sort((a, b) => b.v - a.v || (a.lexeme < b.lexeme ? -1 : 1)).slice(0, o.terms);
  const max = ranked[0]?.v ?? 0;
  return max > 0 ? ranked.map((r) => ({ lexeme: r.lexeme, df: r.df, w: (o.weight * r.v) / max })) : [];
}
