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

/** Per-weight factors for `ts_rank`, in PostgreSQL's `{D, C, B, A}` order (each ≤ 1). Body = 1×, heading = 3×, title = 2×. */
const RANK_WEIGHTS = [0.3, 0.3, 0.9, 0.6];
/** `ts_rank` of one body occurrence with {@link RANK_WEIGHTS}: divides ranks into "occurrence units". */
const UNIT_RANK = RANK_WEIGHTS[0]! / 1.64493406685;
const K1 = 1.2;
const B = 0.75;
/** Terms of at least this many characters also match longer words (`heat` → `heater`). */
const PREFIX_MIN_CHARS = 4;

export interface LexicalOptions {
  /** Hits wanted. */
  limit: number;
  /** Share of the question's IDF mass a hit must match (0–1). */
  minMatch: number;
  /** Stop adding (common) terms to the candidate query once their summed document frequency passes this. Defaults to 4000. */
  maxCandidates?: number;
}

export interface LexicalHit {
  id: string;
  score: number;
  /** Share of the question's IDF mass this chunk matched. */
  matched: number;
}

interface TermRow {
  lexeme: string;
  df: string | number;
  df_prefix: string | number;
}

/** tsquery text for one lexeme (quoted, so `printer.cfg` or `-214` stay one lexeme). */
const tsqTerm = (lexeme: string, prefix: boolean) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;

/** Ranks chunks of the given scopes for a question. An empty scope list returns nothing. */
export async function lexicalSearch(db: Pick<Db, 'query'>, scopeIds: string[], question: string, o: LexicalOptions): Promise<LexicalHit[]> {
  if (scopeIds.length === 0 || !question.trim()) return [];
  const [terms, stats] = await Promise.all([
    db.query<TermRow>(
      `SELECT q.lexeme,
         (SELECT COALESCE(sum(t.ndoc), 0) FROM kb_terms t WHERE t.scope_id = ANY($2::bigint[]) AND t.lexeme = q.lexeme) AS df,
         (SELECT COALESCE(sum(t.ndoc), 0) FROM kb_terms t WHERE t.scope_id = ANY($2::bigint[])
            AND t.lexeme >= q.lexeme COLLATE "C" AND t.lexeme < (q.lexeme || chr(1114111)) COLLATE "C") AS df_prefix
       FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))) q`,
      [question, scopeIds],
    ),
    db.query<{ n: string | number | null; avg_len: string | number | null }>(
      'SELECT sum(chunk_count) AS n, sum(avg_len * chunk_count) / NULLIF(sum(chunk_count), 0) AS avg_len FROM kb_scopes WHERE id = ANY($1::bigint[])',
      [scopeIds],
    ),
  ]);
  const n = Number(stats.rows[0]?.n ?? 0);
  const avgLen = Number(stats.rows[0]?.avg_len ?? 0) || 1;
  if (terms.rows.length === 0) return [];
  const idfOf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const qterms = terms.rows.map((r) => {
    const prefix = r.lexeme.length >= PREFIX_MIN_CHARS && Number(r.df_prefix) > Number(r.df);
    const df = Math.min(n, prefix ? Number(r.df_prefix) : Number(r.df));
    return { tsq: tsqTerm(r.lexeme, prefix), df, idf: idfOf(df) };
  });
  const mass = qterms.reduce((s, t) => s + t.idf, 0);
  // Candidates: rare terms first; very common ones only score the candidates the rare ones found.
  const maxCandidates = o.maxCandidates ?? 4000;
  const byDf = [...qterms].filter((t) => t.df > 0).sort((a, b) => a.df - b.df);
  if (byDf.length === 0) return [];
  const cand: string[] = [];
  let total = 0;
  for (const t of byDf) {
    if (cand.length > 0 && total + t.df > maxCandidates) break;
    cand.push(t.tsq);
    total += t.df;
  }
  const { rows } = await db.query<{ id: string; score: number; matched: number }>(
    `WITH q AS (SELECT * FROM unnest($2::tsquery[], $3::float8[]) AS q(tsq, idf)),
     cand AS (SELECT id, len, tsv FROM kb_chunks WHERE scope_id = ANY($1::bigint[]) AND tsv @@ $4::tsquery),
     tf AS (SELECT cand.id, cand.len, q.idf, ts_rank($5::float4[], cand.tsv, q.tsq) / $6 AS tf FROM cand CROSS JOIN q)
     SELECT id, sum(idf * tf * ${K1 + 1} / (tf + ${K1} * (${1 - B} + ${B} * len / $7::float8))) AS score,
            sum(CASE WHEN tf > 0 THEN idf ELSE 0 END) / $8::float8 AS matched
     FROM tf WHERE tf > 0 GROUP BY id
     HAVING sum(CASE WHEN tf > 0 THEN idf ELSE 0 END) / $8::float8 >= $9::float8
     ORDER BY score DESC, id LIMIT $10`,
    [scopeIds, qterms.map((t) => t.tsq), qterms.map((t) => t.idf), cand.join(' | '), RANK_WEIGHTS, UNIT_RANK, avgLen, mass, o.minMatch, o.limit],
  );
  return rows.map((r) => ({ id: String(r.id), score: Number(r.score), matched: Number(r.matched) }));
}
