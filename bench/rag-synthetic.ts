import { mulberry32 } from '../test/support/seeded-random.js';
import type { Db } from '../src/index.js';
import { ensureScope, ensureVectorIndex, hasPgvector, refreshScopeStats } from '../src/index.js';

/** Deterministic PRNG (mulberry32): the same corpus and queries in every run. */
export const rng = mulberry32;

const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'van', 'dor', 'pel', 'sun', 'rix', 'ba', 'com', 'pre', 'tor', 'ven', 'gal', 'nis', 'fer', 'lux', 'mor', 'tas'];

/**
 * A Zipf-distributed synthetic vocabulary, like technical text: a few words everywhere, most
 * words rare. Words are pronounceable letter strings that PostgreSQL's English stemmer keeps apart.
 */
export function makeVocabulary(size: number, random: () => number): { words: string[]; sample: () => string; sampler: (r: () => number) => () => string } {
  const words: string[] = [];
  const seen = new Set<string>();
  while (words.length < size) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    w += 'q' + String.fromCharCode(97 + Math.floor(random() * 26)); // a consonant tail the stemmer leaves alone
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  // Zipf (s = 1): cumulative weights 1/rank, sampled by binary search.
  const cum: number[] = [];
  let total = 0;
  for (let r = 1; r <= size; r++) cum.push((total += 1 / r));
  const sampler = (r: () => number) => () => {
    const x = r() * total;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  return { words, sample: sampler(random), sampler };
}

export const VOCABULARY_SIZE = 30_000;

/**
 * The vocabulary of `loadSyntheticCorpus` with this seed, without loading anything: it is made
 * from the seed's first draws, so a run that reuses a cached corpus asks the same questions.
 */
export const syntheticVocabulary = (seed = 42) => makeVocabulary(VOCABULARY_SIZE, rng(seed));

export interface SyntheticCorpusOptions {
  scope: string;
  chunks: number;
  /** Words per chunk. Defaults to 120. */
  wordsPerChunk?: number;
  /** Embedding dimension for random unit vectors (0 = none). Defaults to 64. */
  dims?: number;
  seed?: number;
}

/** Random unit vector (for vector-path latency; the values carry no meaning). */
export function randomUnit(dims: number, random: () => number): number[] {
  const v = Array.from({ length: dims }, () => random() * 2 - 1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * Fills a scope with `chunks` generated chunks (100 per document) by batched INSERT … SELECT
 * FROM unnest, then builds the BM25 statistics and, where pgvector exists, the HNSW index.
 * Returns the vocabulary sampler for making queries, and stage timings.
 */
export async function loadSyntheticCorpus(db: Db, o: SyntheticCorpusOptions) {
  const random = rng(o.seed ?? 42);
  const vocab = makeVocabulary(VOCABULARY_SIZE, random); // = syntheticVocabulary(seed); the chunks continue the same stream
  const dims = o.dims ?? 64;
  const per = o.wordsPerChunk ?? 120;
  const t0 = performance.now();
  const scopeId = await ensureScope(db, o.scope);
  const docs = Math.ceil(o.chunks / 100);
  const { rows: docRows } = await db.query<{ id: string }>(
    `INSERT INTO kb_documents (scope_id, source, title, format, content_sha256)
     SELECT $1, 'gen/doc-' || g || '.md', 'Generated manual ' || g, 'markdown', md5(g::text) FROM generate_series(1, $2::int) g
     ON CONFLICT (scope_id, source) DO UPDATE SET title = EXCLUDED.title RETURNING id`,
    [scopeId, docs],
  );
  const docIds = docRows.map((r) => String(r.id)).sort((a, b) => Number(a) - Number(b));
  const BATCH = 1000;
  for (let start = 0; start < o.chunks; start += BATCH) {
    const n = Math.min(BATCH, o.chunks - start);
    const doc: string[] = [];
    const ord: number[] = [];
    const head: string[] = [];
    const title: string[] = [];
    const text: string[] = [];
    const emb: string[] = [];
    for (let i = 0; i < n; i++) {
      const idx = start + i;
      const d = Math.floor(idx / 100);
      doc.push(docIds[d]!);
      ord.push(idx % 100);
      head.push(`Section ${vocab.sample()} ${vocab.sample()}`);
      title.push(`Generated manual ${d + 1}`);
      const words: string[] = [];
      for (let w = 0; w < per; w++) words.push(vocab.sample());
      text.push(words.join(' '));
      emb.push(dims ? `{${randomUnit(dims, random).map((x) => x.toFixed(6)).join(',')}}` : '');
    }
    await db.query(
      `INSERT INTO kb_chunks (document_id, scope_id, ord, heading_path, heading_text, doc_title, text, embedding, embedding_dims)
       SELECT d, $1, o, ARRAY[h], h, t, x, NULLIF(e, '')::real[], CASE WHEN e = '' THEN NULL ELSE $8::int END
       FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(d, o, h, t, x, e)`,
      [scopeId, doc, ord, head, title, text, emb, dims],
    );
  }
  const tInsert = performance.now();
  await refreshScopeStats(db, scopeId);
  const tStats = performance.now();
  let indexMs = 0;
  if (dims && (await hasPgvector(db))) {
    const ti = performance.now();
    await ensureVectorIndex(db, dims);
    indexMs = performance.now() - ti;
  }
  return { vocab, random, insertMs: tInsert - t0, statsMs: tStats - tInsert, indexMs };
}
