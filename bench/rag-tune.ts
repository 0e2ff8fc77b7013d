// Parameter sweep for the full-text retriever on the `tune` split of the labelled Klipper questions
// (never the `heldout` split: that one is only measured, by `npm run bench:rag`).
// `npx tsx bench/rag-tune.ts [--split tune|heldout] [--grid name]`
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, createPgliteDb, createRetriever, ingestPaths, LlamaEmbedder, migrate, type RetrieverOptions } from '../src/index.js';
import { evaluate, loadQuestions, splitOf, type Split } from './rag-quality.js';

const SHARED = process.env.R1_SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
const KLIPPER_DIR = path.join(SHARED, 'corpora', 'klipper-docs', 'docs');

const { values } = parseArgs({ options: { split: { type: 'string', default: 'tune' }, grid: { type: 'string', default: 'main' } } });
if (!existsSync(KLIPPER_DIR)) throw new Error(`${KLIPPER_DIR} not found (set R1_SHARED_DIR)`);
const set = splitOf(await loadQuestions(), values.split as Split);
const db = await createPgliteDb({ dataDir: 'memory://' });
await migrate(db);
await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR] });
// `--grid vectors`: hybrid weights with the tiny test GGUF's embeddings (a word-overlap model).
const embedder = values.grid === 'vectors'
  ? await LlamaEmbedder.create({ modelPath: path.join(SHARED, 'models', 'stories260K-r1-test.gguf'), threads: 1, contextSize: 128, log: createLogger({ level: 'silent' }) })
  : undefined;
if (embedder) await ingestPaths({ db, scope: 'klipper', paths: [KLIPPER_DIR], embedder });

type Opts = Omit<RetrieverOptions, 'db'>;
const grids: Record<string, Array<[string, Opts]>> = {
  main: [
    ['plain (no feedback, no doc fusion, no cap)', { alpha: 1, feedback: false, docWeight: 0, maxPerDoc: 100 }],
    ['doc fusion 0.3, cap 100', { alpha: 1, feedback: false, docWeight: 0.3, maxPerDoc: 100 }],
    ['doc fusion 0, cap 2', { alpha: 1, feedback: false, docWeight: 0, maxPerDoc: 2 }],
    ['doc fusion 0.3, cap 2', { alpha: 1, feedback: false, docWeight: 0.3, maxPerDoc: 2 }],
    ['feedback 3/10/0.3, plain', { alpha: 1, docWeight: 0, maxPerDoc: 100 }],
    ['defaults', { alpha: 1 }],
  ],
  defaults: [['defaults', { alpha: 1 }]],
  doc: [
    ['defaults', { alpha: 1 }],
    ['doc fusion 0.1', { alpha: 1, docWeight: 0.1 }],
    ['doc fusion 0.2', { alpha: 1, docWeight: 0.2 }],
    ['doc fusion 0.3', { alpha: 1, docWeight: 0.3 }],
    ['cap 2', { alpha: 1, maxPerDoc: 2 }],
    ['cap 1', { alpha: 1, maxPerDoc: 1 }],
    ['cap 2, doc fusion 0.2', { alpha: 1, maxPerDoc: 2, docWeight: 0.2 }],
    ['feedback 5/10/0.15', { alpha: 1, feedback: { chunks: 5, terms: 10, weight: 0.15 } }],
    ['feedback 3/10/0.3', { alpha: 1, feedback: { chunks: 3, terms: 10, weight: 0.3 } }],
  ],
  vectors: [
    ['full-text only (α=1)', { alpha: 1 }],
    ['hybrid rrf α=0.8', { alpha: 0.8, embedder }],
    ['hybrid rrf α=0.65', { alpha: 0.65, embedder }],
    ['hybrid rrf α=0.5', { alpha: 0.5, embedder }],
    ['hybrid score α=0.8', { alpha: 0.8, embedder, fusion: 'score' }],
    ['hybrid score α=0.9 (default)', { alpha: 0.9, embedder, fusion: 'score' }],
  ],
  b: [
    ['plain', { alpha: 1, feedback: false, docWeight: 0, maxPerDoc: 100 }],
    ['cap 3', { alpha: 1, feedback: false, docWeight: 0, maxPerDoc: 3 }],
    ['doc 0.1', { alpha: 1, feedback: false, docWeight: 0.1, maxPerDoc: 100 }],
    ['fb 5/10/0.15', { alpha: 1, feedback: { chunks: 5, terms: 10, weight: 0.15 }, docWeight: 0, maxPerDoc: 100 }],
    ['fb 2/5/0.2', { alpha: 1, feedback: { chunks: 2, terms: 5, weight: 0.2 }, docWeight: 0, maxPerDoc: 100 }],
    ['fb 1/20/0.3', { alpha: 1, feedback: { chunks: 1, terms: 20, weight: 0.3 }, docWeight: 0, maxPerDoc: 100 }],
  ],
};
const grid = grids[values.grid!] ?? [];
console.log(`split ${values.split}: ${set.questions.length} questions, ${set.negatives.length} negatives`);
console.log('| settings | R@1 | R@5 | doc R@5 | MRR@10 | para R@5 | token R@5 | keyword R@5 | empty | negatives with hits |');
for (const [name, o] of grid) {
  const r = createRetriever({ db, minBestMatch: 0, ...o });
  const q = await evaluate(name, (x) => r.retrieve({ scopes: ['klipper'], query: x, k: 10 }), set);
  const k = (x: 'paraphrase' | 'token' | 'keyword') => q.byKind[x]?.recallAt5.toFixed(2) ?? '-';
  console.log(`| ${name} | ${q.all.recallAt1.toFixed(2)} | ${q.all.recallAt5.toFixed(2)} | ${q.all.docRecallAt5.toFixed(2)} | ${q.all.mrrAt10.toFixed(3)} | ${k('paraphrase')} | ${k('token')} | ${k('keyword')} | ${q.all.empty} | ${q.negativesWithHits}/${q.negatives} |`);
}
await embedder?.close();
await db.close();
