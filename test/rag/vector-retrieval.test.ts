import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, LlamaEmbedder, migrate, type Db } from '../../src/index.js';
import { createRetriever, ingestPaths } from '../../src/rag/index.js';
import { PLANT_A_DIR, PLANT_B_DIR } from '../support/rag-fixtures.js';
import { hasTestModel, NO_MODEL_REASON, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

// The test model's embeddings mostly measure shared words (shared/models/README.md), so the
// assertions are "the chunk whose words the question repeats ranks first", not paraphrase tests.
describe.skipIf(!hasTestModel)('vector retrieval with a GGUF embedding model', () => {
  let embedder: LlamaEmbedder;
  beforeAll(async () => {
    embedder = await LlamaEmbedder.create({ modelPath: TEST_MODEL_PATH, threads: 1, contextSize: 256, log: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => embedder?.close());

  it('embeds deterministically, one vector per text', async () => {
    const [a, b, c] = await embedder.embed(['the pump bearing', 'the pump bearing', 'zeolite dryer']);
    expect(a!.length).toBe(64);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Array.from(a!)).not.toEqual(Array.from(c!));
  });

  describe.each([
    ['PostgreSQL (no pgvector: exact scan in memory)', createTestPgDb, false],
    ['PGlite (pgvector HNSW)', createTestPgliteDb, true],
  ])('on %s', (_name, open, expectIndex) => {
    let db: Db;
    beforeAll(async () => {
      db = await open();
      await migrate(db);
      const a = await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR], embedder });
      await ingestPaths({ db, scope: 'plant-b', paths: [PLANT_B_DIR], embedder });
      expect(a.embeddingDims).toEqual([64]);
    });
    afterAll(async () => db?.close());

    it('stores unit-length embeddings and builds the HNSW index only where pgvector exists', async () => {
      const { rows } = await db.query<{ n: string; dims: number }>('SELECT count(*) AS n, min(embedding_dims) AS dims FROM kb_chunks WHERE embedding IS NULL OR embedding_dims <> 64');
      expect(Number(rows[0]!.n)).toBe(0);
      const norm = await db.query<{ s: number }>('SELECT (SELECT sum(x * x) FROM unnest(embedding) x) AS s FROM kb_chunks LIMIT 1');
      expect(Number(norm.rows[0]!.s)).toBeCloseTo(1, 4);
      const idx = await db.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'kb_chunks_embedding_64_idx'`);
      expect(idx.rows.length > 0).toBe(expectIndex);
    });

    it('vectors alone (alpha 0) rank the chunk that shares the question\'s words first, within the bound scope only', async () => {
      const r = createRetriever({ db, embedder, alpha: 0, minSimilarity: 0 });
      const chunk = (await db.query<{ text: string }>(`SELECT c.text FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id WHERE c.heading_text LIKE '%Lubrication'`)).rows[0]!;
      const res = await r.retrieve({ scopes: ['plant-a'], query: chunk.text, k: 5 });
      expect(res[0]!.headingPath.at(-1)).toBe('Lubrication');
      expect(res.every((c) => c.scope === 'plant-a')).toBe(true);
      const none = await r.retrieve({ scopes: [], query: chunk.text, k: 5 });
      expect(none).toEqual([]);
    });

    it('hybrid fusion keeps the full-text winner for an exact fault code', async () => {
      const r = createRetriever({ db, embedder, alpha: 0.5 });
      const res = await r.retrieve({ scopes: ['plant-a', 'plant-b'], query: 'alarm A-330 on the compressor', k: 3 });
      expect(res[0]!.headingPath.at(-1)).toBe('Alarm A-330 Discharge temperature high');
    });

    it('with full-text on, an out-of-corpus question gets nothing unless vector-only hits are allowed', async () => {
      const q = 'what is the recipe for sourdough bread with rye flour';
      expect(await createRetriever({ db, embedder, minSimilarity: 0 }).retrieve({ scopes: ['plant-a'], query: q, k: 3 })).toEqual([]);
      const lenient = await createRetriever({ db, embedder, minSimilarity: 0, minVectorOnlySimilarity: 0 }).retrieve({ scopes: ['plant-a'], query: q, k: 3 });
      expect(lenient.length).toBeGreaterThan(0);
      expect(await createRetriever({ db, embedder, minSimilarity: 0, minVectorOnlySimilarity: 1 }).retrieve({ scopes: ['plant-a'], query: q, k: 3 })).toEqual([]);
    });

    it('memory scan and the database path agree on the nearest chunk', async () => {
      const q = 'replace the mechanical seal cartridge';
      const viaDb = await createRetriever({ db, embedder, alpha: 0, minSimilarity: 0 }).retrieve({ scopes: ['plant-a'], query: q, k: 3 });
      const viaMemory = await createRetriever({ db, embedder, alpha: 0, minSimilarity: 0, vectorMode: 'memory' }).retrieve({ scopes: ['plant-a'], query: q, k: 3 });
      expect(viaDb.map((c) => c.chunkId)).toEqual(viaMemory.map((c) => c.chunkId));
    });
  });

  it('re-embeds unchanged documents when the embedding model was not used before', async () => {
    const db = await createTestPgliteDb();
    try {
      await migrate(db);
      const first = await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
      expect(first.added).toBe(3);
      const second = await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR], embedder });
      expect(second.replaced).toBe(3);
      const third = await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR], embedder });
      expect(third.unchanged).toBe(3);
      const v = await db.query<{ version: number }>('SELECT DISTINCT version FROM kb_documents');
      expect(v.rows.map((r) => r.version)).toEqual([1]);
    } finally {
      await db.close();
    }
  });
});
if (!hasTestModel) console.warn(NO_MODEL_REASON);
