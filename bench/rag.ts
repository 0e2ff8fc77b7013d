// Retrieval benchmark: latency with a large generated scope on PostgreSQL and PGlite, and
// quality (Recall@1/@5, MRR@10) on labelled technician questions over the Klipper docs.
// `npm run bench:rag [-- --chunks 100000 --queries 200 --backends pg,pglite]`; `runRagBench()` for bench/run.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  createLogger, createPgDb, createPgliteDb, createRetriever, ingestPaths, LlamaEmbedder, migrate, normalize, type Db, type Embedder,
} from '../src/index.js';
import { andBaseline, checkLabels, evaluate, loadQuestions, orBaseline, QUESTIONS_FILE, retrieverRanker, type QualityResult } from './rag-quality.js';
import { loadSyntheticCorpus, randomUnit, rng } from './rag-synthetic.js';

const SHARED = process.env.R1_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
const KLIPPER_DIR = path.join(SHARED, 'corpora', 'klipper-docs', 'docs');
const TEST_MODEL = path.join(SHARED, 'models', 'stories260K-r1-test.gguf');

export interface RagBenchOptions {
  /** Generated chunks in the latency scope. Defaults to 100,000. */
  chunks?: number;
  /** Timed questions per backend and mode. Defaults to 200. */
  queries?: number;
  /** Defaults to both. */
  backends?: Array<'pg' | 'pglite'>;
  /** PostgreSQL for the `pg` backend (a scratch schema is created and dropped). */
  databaseUrl?: string;
  /** Skip the latency part (quality only). */
  skipLatency?: boolean;
  /** Skip the hybrid quality runs with the tiny test embedding model. */
  skipVectors?: boolean;
  out?: (line: string) => void;
}

export interface LatencyResult {
  backend: 'pg' | 'pglite';
  chunks: number;
  loadS: number;
  statsS: number;
  hnswS: number;
  fullText: { p50: number; p95: number };
  hybrid: { p50: number; p95: number; vectorPath: string; firstQueryMs: number };
}

export interface RagBenchReport {
  latency: LatencyResult[];
  quality: QualityResult[];
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => x.toFixed(1);

/** A stand-in embedder for latency: a deterministic unit vector per text, no model time. */
const fakeEmbedder = (dims: number): Embedder => ({
  modelId: 'bench-random',
  embed: async (texts) => texts.map((t) => {
    let h = 0;
    for (const c of t) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
    return randomUnit(dims, rng(h));
  }),
});

async function openBackend(backend: 'pg' | 'pglite', databaseUrl: string): Promise<{ db: Db; cleanup: () => Promise<void> }> {
  if (backend === 'pg') {
    const schema = `bench_rag_${Date.now().toString(36)}`;
    const db = await createPgDb({ connectionString: databaseUrl, schema, max: 4 });
    return { db, cleanup: async () => { await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {}); await db.close(); } };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'r1-bench-pglite-'));
  const db = await createPgliteDb({ dataDir: dir });
  return { db, cleanup: async () => { await db.close(); await rm(dir, { recursive: true, force: true }); } };
}

async function latency(backend: 'pg' | 'pglite', o: Required<Pick<RagBenchOptions, 'chunks' | 'queries' | 'databaseUrl'>>, out: (l: string) => void): Promise<LatencyResult> {
  const { db, cleanup } = await openBackend(backend, o.databaseUrl);
  try {
    await migrate(db);
    out(`  ${backend}: loading ${o.chunks.toLocaleString('en')} generated chunks…`);
    const c = await loadSyntheticCorpus(db, { scope: 'bench', chunks: o.chunks, dims: 64, seed: 7 });
    // Chat-length questions: 6–10 words drawn like the corpus (common and rare words mixed).
    const qr = rng(99);
    const questions = Array.from({ length: o.queries + 20 }, () => Array.from({ length: 6 + Math.floor(qr() * 5) }, () => c.vocab.sample()).join(' '));
    const time = async (retrieve: (q: string) => Promise<unknown>) => {
      const t: number[] = [];
      for (const [i, q] of questions.entries()) {
        const t0 = performance.now();
        await retrieve(q);
        if (i >= 20) t.push(performance.now() - t0); // the first 20 warm caches
      }
      return { p50: pct(t, 50), p95: pct(t, 95) };
    };
    const ft = createRetriever({ db, alpha: 1 });
    const fullText = await time((q) => ft.retrieve({ scopes: ['bench'], query: q, k: 5, maxChars: 6000 }));
    const hy = createRetriever({ db, alpha: 0.5, embedder: fakeEmbedder(64), minSimilarity: 0 });
    const t0 = performance.now();
    await hy.retrieve({ scopes: ['bench'], query: 'first query loads what it needs', k: 5 });
    const firstQueryMs = performance.now() - t0;
    const hybrid = await time((q) => hy.retrieve({ scopes: ['bench'], query: q, k: 5, maxChars: 6000 }));
    const vectorPath = backend === 'pglite' ? 'pgvector HNSW' : 'exact scan in memory (no pgvector)';
    return { backend, chunks: o.chunks, loadS: c.insertMs / 1000, statsS: c.statsMs / 1000, hnswS: c.indexMs / 1000, fullText, hybrid: { ...hybrid, vectorPath, firstQueryMs } };
  } finally {
    await cleanup();
  }
}

async function quality(out: (l: string) => void, vectors: boolean): Promise<QualityResult[]> {
  if (!existsSync(KLIPPER_DIR)) {
    out(`  quality skipped: ${KLIPPER_DIR} not found (set R1_SHARED_DIR)`);
    return [];
  }
  if (!existsSync(QUESTIONS_FILE)) {
    out(`  quality skipped: ${QUESTIONS_FILE} not found`);
    return [];
  }
  const set = await loadQuestions();
  const db = await createPgliteDb({ dataDir: 'memory://' });
  let embedder: LlamaEmbedder | undefined;
  try {
    await migrate(db);
    const ing = await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR] });
    out(`  klipper-docs: ${ing.added} documents, ${ing.chunks} chunks; ${set.questions.length} labelled questions, ${set.negatives.length} out-of-corpus`);
    await checkLabels(db, 'klipper', set);
    const results = [
      await evaluate('websearch_to_tsquery (AND) + ts_rank_cd', andBaseline(db, 'klipper'), set),
      await evaluate('OR of lexemes + ts_rank_cd', orBaseline(db, 'klipper'), set),
      await evaluate('ours: full-text (IDF-weighted OR, BM25, title/heading boosts)', retrieverRanker(db, 'klipper', { alpha: 1 }), set),
    ];
    if (vectors && existsSync(TEST_MODEL)) {
      // 128 tokens: the tiny model's attention makes 500-token chunks take ~0.4 s each on 2 cores.
      embedder = await LlamaEmbedder.create({ modelPath: TEST_MODEL, threads: 1, contextSize: 128, log: createLogger({ level: 'silent' }) });
      const t0 = performance.now();
      await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR], embedder });
      out(`  embedded the chunks with the tiny test GGUF in ${((performance.now() - t0) / 1000).toFixed(1)} s (a word-overlap model, not a semantic one)`);
      results.push(await evaluate('ours: hybrid RRF α=0.5 (tiny test embeddings)', retrieverRanker(db, 'klipper', { alpha: 0.5, embedder }), set));
      results.push(await evaluate('ours: vectors only (tiny test embeddings)', retrieverRanker(db, 'klipper', { alpha: 0, embedder }), set));
    }
    return results;
  } finally {
    await embedder?.close();
    await db.close();
  }
}

/** Runs the retrieval benchmark and prints its tables. */
export async function runRagBench(o: RagBenchOptions = {}): Promise<RagBenchReport> {
  const out = o.out ?? ((l: string) => console.log(l));
  const opts = {
    chunks: o.chunks ?? 100_000,
    queries: o.queries ?? 200,
    databaseUrl: o.databaseUrl ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
  out('## Retrieval (RAG)');
  const lat: LatencyResult[] = [];
  if (!o.skipLatency) {
    for (const b of o.backends ?? ['pg', 'pglite']) {
      try {
        lat.push(await latency(b, opts, out));
      } catch (e) {
        out(`  ${b}: latency run failed: ${(e as Error).message}`);
      }
    }
    out('');
    out(`Latency, one scope of ${opts.chunks.toLocaleString('en')} generated chunks, ${opts.queries} chat-length questions, k=5 (target p95 ≤ 30 ms):`);
    out('| backend | full-text p50 | full-text p95 | hybrid p50 | hybrid p95 | vector path | load | stats | HNSW build |');
    out('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of lat) {
      out(`| ${r.backend} | ${ms(r.fullText.p50)} ms | ${ms(r.fullText.p95)} ms | ${ms(r.hybrid.p50)} ms | ${ms(r.hybrid.p95)} ms | ${r.hybrid.vectorPath} (first query ${ms(r.hybrid.firstQueryMs)} ms) | ${r.loadS.toFixed(0)} s | ${r.statsS.toFixed(1)} s | ${r.hnswS.toFixed(0)} s |`);
    }
    out('(hybrid = full-text + vector search + fusion with a random 64-dim query vector: model embedding time not included)');
  }
  out('');
  const q = await quality(out, o.skipVectors !== true);
  if (q.length) {
    out('');
    out('Quality on ../shared/corpora/klipper-docs (bench/data/klipper-questions.json):');
    out('| method | Recall@1 | Recall@5 | MRR@10 | no result | out-of-corpus with hits |');
    out('| --- | --- | --- | --- | --- | --- |');
    const n = (await loadQuestions()).negatives.length;
    for (const r of q) out(`| ${r.method} | ${r.recallAt1.toFixed(2)} | ${r.recallAt5.toFixed(2)} | ${r.mrrAt10.toFixed(3)} | ${r.empty} | ${r.negativesWithHits}/${n} |`);
  }
  return { latency: lat, quality: q };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { chunks: { type: 'string' }, queries: { type: 'string' }, backends: { type: 'string' }, 'quality-only': { type: 'boolean' }, 'no-vectors': { type: 'boolean' } } });
  await runRagBench({
    chunks: values.chunks ? Number(values.chunks) : undefined,
    queries: values.queries ? Number(values.queries) : undefined,
    backends: values.backends ? (values.backends.split(',') as Array<'pg' | 'pglite'>) : undefined,
    skipLatency: values['quality-only'] === true,
    skipVectors: values['no-vectors'] === true,
  });
}
