// Retrieval benchmark: latency with a large generated scope on PostgreSQL and PGlite, and
// quality (Recall@1/@5, MRR@10) on labelled technician questions over the Klipper docs.
// `npm run bench:rag [-- --chunks 100000 --queries 200 --backends pg,pglite]`; `runRagBench()` for bench/run.ts.
// The loaded latency corpus is cached between runs (bench/rag-corpus-cache.ts; `--fresh` reloads).
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  createLogger, createPgliteDb, createRetriever, ingestPaths, LlamaEmbedder, loadSynonyms, migrate, type Db, type Embedder,
} from '../src/index.js';
import {
  andBaseline, checkLabels, evaluate, loadQuestions, orBaseline, QUESTION_KINDS, QUESTIONS_FILE, retrieverRanker, splitOf, type QualityResult, type Ranker, type Split,
} from './rag-quality.js';
import { clearCorpusCaches, openPgCorpus, openPgliteCorpus, type CachedCorpus, type CorpusSpec } from './rag-corpus-cache.js';
import { calibrateFullText, calibrateVectorOnly, printCalibration, type Calibration } from './rag-calibrate.js';
import { loadSyntheticCorpus, randomUnit, rng, syntheticVocabulary } from './rag-synthetic.js';

const SHARED = process.env.R1_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
const KLIPPER_DIR = path.join(SHARED, 'corpora', 'klipper-docs', 'docs');
const TEST_MODEL = path.join(SHARED, 'models', 'stories260K-r1-test.gguf');
const SYNONYMS_FILE = path.join(import.meta.dirname, 'data', 'klipper-synonyms.txt');

export interface RagBenchOptions {
  /** Generated chunks in the latency scope. Defaults to 100,000. */
  chunks?: number;
  /** Timed questions per backend and mode. Defaults to 200. */
  queries?: number;
  /** Defaults to both. */
  backends?: Array<'pg' | 'pglite'>;
  /** PostgreSQL for the `pg` backend (the corpus is kept in a `bench_rag_…` cache schema there). */
  databaseUrl?: string;
  /** Reload the latency corpus even when a complete cache of it exists. */
  fresh?: boolean;
  /** Skip the latency part (quality only). */
  skipLatency?: boolean;
  /** Skip the quality part (latency only). */
  skipQuality?: boolean;
  /** Skip the hybrid quality runs with the tiny test embedding model. */
  skipVectors?: boolean;
  out?: (line: string) => void;
}

export interface LatencyResult {
  backend: 'pg' | 'pglite';
  chunks: number;
  /** Stage times when this run loaded the corpus; undefined when it reused a cached one. */
  loaded?: { loadS: number; statsS: number; hnswS: number };
  /** The cache schema or directory. */
  location: string;
  fullText: { p50: number; p95: number };
  hybrid: { p50: number; p95: number; vectorPath: string; firstQueryMs: number };
  /** 1-minute load average when the timed queries started and ended (other jobs on the machine inflate latency). */
  load: [number, number];
}

export interface RagBenchReport {
  latency: LatencyResult[];
  quality: SplitQuality[];
}

/** One method's figures on one split of the labelled set. */
export type SplitQuality = QualityResult & { split: Split };

const CORPUS_SEED = 7;
const DEFAULT_DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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

function openCorpus(backend: 'pg' | 'pglite', o: Required<Pick<RagBenchOptions, 'chunks' | 'databaseUrl'>> & { fresh: boolean }, out: (l: string) => void): Promise<CachedCorpus> {
  const spec: CorpusSpec = { chunks: o.chunks, seed: CORPUS_SEED, dims: 64 };
  const load = async (db: Db) => {
    out(`  ${backend}: loading ${o.chunks.toLocaleString('en')} generated chunks…`);
    return loadSyntheticCorpus(db, { scope: 'bench', ...spec });
  };
  return backend === 'pg' ? openPgCorpus(o.databaseUrl, spec, { load, fresh: o.fresh, out }) : openPgliteCorpus(spec, { load, fresh: o.fresh, out });
}

async function latency(backend: 'pg' | 'pglite', o: Required<Pick<RagBenchOptions, 'chunks' | 'queries' | 'databaseUrl'>> & { fresh: boolean }, out: (l: string) => void): Promise<LatencyResult> {
  const { db, loaded, location, close } = await openCorpus(backend, o, out);
  try {
    out(`  ${backend}: ${loaded ? 'loaded into' : 'reusing'} ${location}`);
    // Chat-length questions: 6–10 words drawn like the corpus (common and rare words mixed).
    const qr = rng(99);
    const word = syntheticVocabulary(CORPUS_SEED).sampler(qr); // no load needed: the same questions on a reused corpus
    const questions = Array.from({ length: o.queries + 20 }, () => Array.from({ length: 6 + Math.floor(qr() * 5) }, word).join(' '));
    const time = async (retrieve: (q: string) => Promise<unknown>) => {
      const t: number[] = [];
      for (const [i, q] of questions.entries()) {
        const t0 = performance.now();
        await retrieve(q);
        if (i >= 20) t.push(performance.now() - t0); // the first 20 warm caches
      }
      return { p50: pct(t, 50), p95: pct(t, 95) };
    };
    const load0 = loadavg()[0]!;
    const ft = createRetriever({ db, alpha: 1 });
    const fullText = await time((q) => ft.retrieve({ scopes: ['bench'], query: q, k: 5, maxChars: 6000 }));
    const hy = createRetriever({ db, alpha: 0.5, embedder: fakeEmbedder(64), minSimilarity: 0 });
    const t0 = performance.now();
    await hy.retrieve({ scopes: ['bench'], query: 'first query loads what it needs', k: 5 });
    const firstQueryMs = performance.now() - t0;
    const hybrid = await time((q) => hy.retrieve({ scopes: ['bench'], query: q, k: 5, maxChars: 6000 }));
    const vectorPath = backend === 'pglite' ? 'pgvector HNSW' : 'exact scan in memory (no pgvector)';
    const stages = loaded && { loadS: loaded.insertMs / 1000, statsS: loaded.statsMs / 1000, hnswS: loaded.indexMs / 1000 };
    return { backend, chunks: o.chunks, loaded: stages, location, fullText, hybrid: { ...hybrid, vectorPath, firstQueryMs }, load: [load0, loadavg()[0]!] };
  } finally {
    await close();
  }
}

async function quality(out: (l: string) => void, vectors: boolean): Promise<{ results: SplitQuality[]; calibration: Calibration[] }> {
  if (!existsSync(KLIPPER_DIR)) {
    out(`  quality skipped: ${KLIPPER_DIR} not found (set R1_SHARED_DIR)`);
    return { results: [], calibration: [] };
  }
  if (!existsSync(QUESTIONS_FILE)) {
    out(`  quality skipped: ${QUESTIONS_FILE} not found`);
    return { results: [], calibration: [] };
  }
  const set = await loadQuestions();
  const db = await createPgliteDb({ dataDir: 'memory://' });
  let embedder: LlamaEmbedder | undefined;
  const results: SplitQuality[] = [];
  const calibration: Calibration[] = [];
  const run = async (method: string, rank: Ranker) => {
    for (const split of ['tune', 'heldout'] as const) results.push({ ...(await evaluate(method, rank, splitOf(set, split))), split });
  };
  try {
    await migrate(db);
    const ing = await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR] });
    const kinds = QUESTION_KINDS.map((k) => `${set.questions.filter((q) => q.kind === k).length} ${k}`).join(', ');
    out(`  klipper-docs: ${ing.added} documents, ${ing.chunks} chunks; ${set.questions.length} labelled questions (${kinds}), ${set.negatives.length} out-of-corpus`);
    await checkLabels(db, 'klipper', set);
    await run('websearch_to_tsquery (AND) + ts_rank_cd', andBaseline(db, 'klipper'));
    await run('OR of lexemes + ts_rank_cd', orBaseline(db, 'klipper'));
    await run('ours: full-text', retrieverRanker(db, 'klipper', { alpha: 1 }));
    if (existsSync(SYNONYMS_FILE)) await run('ours: full-text + sample thesaurus', retrieverRanker(db, 'klipper', { alpha: 1, synonyms: await loadSynonyms(SYNONYMS_FILE) }));
    calibration.push(await calibrateFullText(db, 'klipper', set));
    if (vectors && existsSync(TEST_MODEL)) {
      // 128 tokens: the tiny model's attention makes 500-token chunks take ~0.4 s each on 2 cores.
      embedder = await LlamaEmbedder.create({ modelPath: TEST_MODEL, threads: 1, contextSize: 128, log: createLogger({ level: 'silent' }) });
      const t0 = performance.now();
      await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR], embedder });
      out(`  embedded the chunks with the tiny test GGUF in ${((performance.now() - t0) / 1000).toFixed(1)} s (a word-overlap model, not a semantic one)`);
      await run('ours: hybrid, default fusion (score, α=0.9; tiny test embeddings)', retrieverRanker(db, 'klipper', { embedder }));
      await run('ours: hybrid, RRF α=0.5 (the old default; tiny test embeddings)', retrieverRanker(db, 'klipper', { alpha: 0.5, fusion: 'rrf', embedder }));
      await run('ours: vectors only (tiny test embeddings)', retrieverRanker(db, 'klipper', { alpha: 0, embedder }));
      calibration.push(await calibrateVectorOnly(db, 'klipper', set, embedder));
    }
    return { results, calibration };
  } finally {
    await embedder?.close();
    await db.close();
  }
}

const f2 = (x: number) => x.toFixed(2);

/** Prints the quality tables: overall per split, per kind for the project's rankers, and the misses of full-text. */
export function printQuality(q: SplitQuality[], out: (l: string) => void, showMisses = true): void {
  out('Quality on ../shared/corpora/klipper-docs (bench/data/klipper-questions.json); `tune` = the split settings were chosen on, `heldout` = never tuned on:');
  out('| method | split | n | Recall@1 | Recall@5 | doc Recall@5 | MRR@10 | false "nothing found" | false sources (negatives with hits) | p50 | p95 |');
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of q) {
    out(`| ${r.method} | ${r.split} | ${r.all.n} | ${f2(r.all.recallAt1)} | ${f2(r.all.recallAt5)} | ${f2(r.all.docRecallAt5)} | ${r.all.mrrAt10.toFixed(3)} | ${r.all.empty}/${r.all.n} | ${r.negativesWithHits}/${r.negatives} | ${ms(r.p50Ms)} ms | ${ms(r.p95Ms)} ms |`);
  }
  out('');
  out('Per kind of question:');
  out('| method | split | kind | n | Recall@1 | Recall@5 | doc Recall@5 | MRR@10 | false "nothing found" |');
  out('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of q) {
    for (const k of QUESTION_KINDS) {
      const f = r.byKind[k];
      if (f) out(`| ${r.method} | ${r.split} | ${k} | ${f.n} | ${f2(f.recallAt1)} | ${f2(f.recallAt5)} | ${f2(f.docRecallAt5)} | ${f.mrrAt10.toFixed(3)} | ${f.empty} |`);
    }
  }
  if (!showMisses) return;
  for (const r of q.filter((x) => x.method === 'ours: full-text')) {
    out('');
    out(`Misses at 5, ours: full-text, ${r.split} (${r.misses.length}):`);
    for (const m of r.misses) out(`- [${m.kind ?? '?'}] ${m.q} → ${m.got}`);
  }
}

/** Runs the retrieval benchmark and prints its tables. */
export async function runRagBench(o: RagBenchOptions = {}): Promise<RagBenchReport> {
  const out = o.out ?? ((l: string) => console.log(l));
  const opts = {
    chunks: o.chunks ?? 100_000,
    queries: o.queries ?? 200,
    databaseUrl: o.databaseUrl ?? DEFAULT_DATABASE_URL,
    fresh: o.fresh === true,
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
    out('| backend | full-text p50 | full-text p95 | hybrid p50 | hybrid p95 | vector path | corpus | load | stats | HNSW build | load average (start → end) |');
    out('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of lat) {
      const stages = r.loaded ? `loaded | ${r.loaded.loadS.toFixed(0)} s | ${r.loaded.statsS.toFixed(1)} s | ${r.loaded.hnswS.toFixed(0)} s` : 'reused (cache) | — | — | —';
      out(`| ${r.backend} | ${ms(r.fullText.p50)} ms | ${ms(r.fullText.p95)} ms | ${ms(r.hybrid.p50)} ms | ${ms(r.hybrid.p95)} ms | ${r.hybrid.vectorPath} (first query ${ms(r.hybrid.firstQueryMs)} ms) | ${stages} | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} |`);
    }
    out('(hybrid = full-text + vector search + fusion with a random 64-dim query vector: model embedding time not included)');
  }
  out('');
  if (o.skipQuality) return { latency: lat, quality: [] };
  const { results: q, calibration } = await quality(out, o.skipVectors !== true);
  if (q.length) {
    out('');
    printQuality(q, out);
    out('');
    for (const c of calibration) {
      out('');
      printCalibration(c, out);
    }
  }
  return { latency: lat, quality: q };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: {
    chunks: { type: 'string' }, queries: { type: 'string' }, backends: { type: 'string' }, 'quality-only': { type: 'boolean' }, 'latency-only': { type: 'boolean' },
    'no-vectors': { type: 'boolean' }, fresh: { type: 'boolean' }, 'clear-cache': { type: 'boolean' },
  } });
  if (values['clear-cache']) {
    const removed = await clearCorpusCaches(DEFAULT_DATABASE_URL).catch(async (e: Error) => {
      console.log(`PostgreSQL: ${e.message}; removing PGlite caches only`);
      return clearCorpusCaches(undefined);
    });
    console.log(removed.length ? `removed:\n${removed.join('\n')}` : 'no cached corpus to remove');
    process.exit(0);
  }
  await runRagBench({
    fresh: values.fresh === true,
    skipQuality: values['latency-only'] === true,
    chunks: values.chunks ? Number(values.chunks) : undefined,
    queries: values.queries ? Number(values.queries) : undefined,
    backends: values.backends ? (values.backends.split(',') as Array<'pg' | 'pglite'>) : undefined,
    skipLatency: values['quality-only'] === true,
    skipVectors: values['no-vectors'] === true,
  });
}
