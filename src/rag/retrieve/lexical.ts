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
/** Below this many chunks every matching term is scored (a 3-chunk scope has no stop words). */
const STOP_TERM_MIN_CHUNKS = 200;

export interface LexicalOptions {
  /** Hits wanted. */
  limit: number;
  /** Share of the question's IDF mass a hit must match (0–1). */
  minMatch: number;
  /** About how many chunks are scored: rarer terms pick candidates up to this many postings. Defaults to 1000. */
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
  n: string | number | null;
  avg_len: string | number | null;
  df: string | number;
  df_prefix: string | number;
}

/** tsquery text for one lexeme (quoted, so `printer.cfg` or `-214` stay one lexeme). */
const tsqTerm = (lexeme: string, prefix: boolean) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${prefix ? ':*' : ''}`;

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

/** Ranks chunks of the given scopes for a question. An empty scope list returns nothing. */
export async function lexicalSearch(db: Pick<Db, 'query' | 'transaction'>, scopeIds: string[], question: string, o: LexicalOptions): Promise<LexicalHit[]> {
  if (scopeIds.length === 0 || !question.trim()) return [];
  // One round trip: the question's lexemes with their document frequency (exact and as a
  // prefix) in the bound scopes, and the scopes' chunk count and average length.
  const { rows: terms } = await db.query<TermRow>(
    `WITH s AS (SELECT sum(chunk_count) AS n, sum(avg_len * chunk_count) / NULLIF(sum(chunk_count), 0) AS avg_len FROM kb_scopes WHERE id = ANY($2::bigint[]))
     SELECT q.lexeme, s.n, s.avg_len,
       (SELECT COALESCE(sum(t.ndoc), 0) FROM kb_terms t WHERE t.scope_id = ANY($2::bigint[]) AND t.lexeme = q.lexeme) AS df,
       (SELECT COALESCE(sum(t.ndoc), 0) FROM kb_terms t WHERE t.scope_id = ANY($2::bigint[])
          AND t.lexeme >= q.lexeme COLLATE "C" AND t.lexeme < (q.lexeme || chr(1114111)) COLLATE "C") AS df_prefix
     FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))) q, s`,
    [question, scopeIds],
  );
  if (terms.length === 0) return [];
  const n = Number(terms[0]!.n ?? 0);
  const avgLen = Number(terms[0]!.avg_len ?? 0) || 1;
  const idfOf = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  const qterms = terms.map((r) => {
    const prefix = r.lexeme.length >= PREFIX_MIN_CHARS && Number(r.df_prefix) > Number(r.df);
    const df = Math.min(n, prefix ? Number(r.df_prefix) : Number(r.df));
    return { tsq: tsqTerm(r.lexeme, prefix), df, idf: idfOf(df) };
  });
  const mass = qterms.reduce((sum, t) => sum + t.idf, 0);
  // In a sizeable scope, terms in more than half the chunks are its stop words (idf < ln 2): not scored.
  const scored = qterms.filter((t) => t.df > 0 && (n < STOP_TERM_MIN_CHUNKS || t.df <= n / 2));
  if (scored.length === 0) return [];
  const maxCandidates = o.maxCandidates ?? 1000;
  const cand = candidateQuery([...scored].sort((a, b) => a.df - b.df), n, maxCandidates);
  const rows = await db.transaction(async (tx) => {
    // The planner prices `tsv @@ q` as cheap, but on a sequential scan it detoasts every chunk's
    // tsvector: the GIN index is always the better path for an OR of rarer terms.
    await tx.exec('SET LOCAL enable_seqscan = off');
    // `tsv || ''` detoasts each candidate's tsvector once (the materialised CTE keeps it inline)
    // instead of once per ts_rank call; OFFSET 0 keeps each ts_rank from being computed twice.
    return (await tx.query<{ id: string; score: number; matched: number }>(
      `WITH q AS (SELECT * FROM unnest($2::tsquery[], $3::float8[]) AS q(tsq, idf)),
       cand AS MATERIALIZED (SELECT id, len, tsv || ''::tsvector AS tsv FROM kb_chunks WHERE tsv @@ $4::tsquery AND scope_id = ANY($1::bigint[]) LIMIT $11),
       tf AS (SELECT * FROM (SELECT cand.id, cand.len, q.idf, ts_rank($5::float4[], cand.tsv, q.tsq) / $6 AS tf FROM cand CROSS JOIN q OFFSET 0) x WHERE tf > 0)
       SELECT id, sum(idf * tf * ${K1 + 1} / (tf + ${K1} * (${1 - B} + ${B} * len / $7::float8))) AS score, sum(idf) / $8::float8 AS matched
       FROM tf GROUP BY id
       HAVING sum(idf) / $8::float8 >= $9::float8
       ORDER BY score DESC, id LIMIT $10`,
      [scopeIds, scored.map((t) => t.tsq), scored.map((t) => t.idf), cand, RANK_WEIGHTS, UNIT_RANK, avgLen, mass, o.minMatch, o.limit, maxCandidates * 4],
    )).rows;
  });
  return rows.map((r) => ({ id: String(r.id), score: Number(r.score), matched: Number(r.matched) }));
}
