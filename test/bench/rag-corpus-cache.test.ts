import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusKey, openPgCorpus, openPgliteCorpus, type CorpusSpec } from '../../bench/rag-corpus-cache.js';
import { loadSyntheticCorpus } from '../../bench/rag-synthetic.js';
import { createPgliteDb, type Db } from '../../src/index.js';
import { MIGRATIONS_DIR } from '../../src/storage/migrate.js';
import { TEST_DATABASE_URL } from '../support/test-config.js';
import { emptyDataDir } from '../support/test-db.js';

// A unique seed per run keeps these caches apart from real ones and from parallel test runs.
const spec: CorpusSpec = { chunks: 200, seed: 1000 + Math.floor(Math.random() * 1e6), dims: 8 };
const load = (db: Db) => loadSyntheticCorpus(db, { scope: 'bench', ...spec });
const failing = async (db: Db) => {
  await load(db);
  throw new Error('interrupted');
};
const count = async (db: Db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM kb_chunks')).rows[0]!.n);
const KEY = 'a'.repeat(16);
const OLD_KEY = 'b'.repeat(16);

describe('corpusKey', () => {
  it('is stable and changes with the spec, the migrations, the generator and extra inputs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'r1-key-test-'));
    try {
      const base = await corpusKey(spec);
      expect(base).toMatch(/^[0-9a-f]{16}$/);
      expect(await corpusKey({ ...spec })).toBe(base);
      for (const other of [{ ...spec, chunks: 201 }, { ...spec, seed: spec.seed + 1 }, { ...spec, dims: 16 }]) expect(await corpusKey(other)).not.toBe(base);
      expect(await corpusKey(spec, { extra: ['pglite 1'] })).not.toBe(base);
      await cp(MIGRATIONS_DIR, path.join(dir, 'm'), { recursive: true });
      expect(await corpusKey(spec, { migrationsDir: path.join(dir, 'm') })).toBe(base);
      await writeFile(path.join(dir, 'm', '0099_extra.sql'), 'SELECT 1;');
      expect(await corpusKey(spec, { migrationsDir: path.join(dir, 'm') })).not.toBe(base);
      await writeFile(path.join(dir, 'gen.ts'), 'export const VERSION = 2;');
      expect(await corpusKey(spec, { generatorFile: path.join(dir, 'gen.ts') })).not.toBe(base);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PGlite corpus cache', () => {
  let root: string;
  const prefix = `r1-bench-pglite-c${spec.chunks}_s${spec.seed}_d${spec.dims}_`;
  // A new directory starts from the test template (no initdb); a loaded one opens as it is.
  const openDir = async (dataDir: string) => createPgliteDb({ dataDir, ...(existsSync(path.join(dataDir, 'PG_VERSION')) ? {} : { loadDataDir: await emptyDataDir() }) });
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'r1-cache-test-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('leaves nothing behind when the load fails, then loads once and reuses the complete directory', async () => {
    await expect(openPgliteCorpus(spec, { root, key: KEY, openDir, load: failing })).rejects.toThrow('interrupted');
    expect(await readdir(root)).toEqual([]);

    // Stale: the same spec under an older key, and a dead run's half-loaded directory.
    await mkdir(path.join(root, `${prefix}${OLD_KEY}`));
    await mkdir(path.join(root, `${prefix}${KEY}.tmp-999999999`));
    const first = await openPgliteCorpus(spec, { root, key: KEY, openDir, load });
    expect(first.loaded?.insertMs).toBeGreaterThan(0);
    expect(await count(first.db)).toBe(200);
    await first.close();
    expect(await readdir(root)).toEqual([`${prefix}${KEY}`]);

    const second = await openPgliteCorpus(spec, { root, key: KEY, openDir, load: failing });
    try {
      expect(second.loaded).toBeUndefined();
      expect(await count(second.db)).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe('PostgreSQL corpus cache', () => {
  const prefix = `bench_rag_c${spec.chunks}_s${spec.seed}_d${spec.dims}_`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  const schemas = async () => (await admin.query<{ s: string }>('SELECT nspname AS s FROM pg_namespace WHERE left(nspname, length($1)) = $1 ORDER BY 1', [prefix])).rows.map((r) => r.s);
  beforeAll(async () => admin.connect());
  afterAll(async () => {
    for (const s of await schemas()) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin.end();
  });

  it('drops a failed load and stale keys, reuses a complete schema, reloads with fresh', async () => {
    await expect(openPgCorpus(TEST_DATABASE_URL, spec, { key: KEY, load: failing })).rejects.toThrow('interrupted');
    expect(await schemas()).toEqual([]);

    await admin.query(`CREATE SCHEMA "${prefix}${OLD_KEY}"`);
    const first = await openPgCorpus(TEST_DATABASE_URL, spec, { key: KEY, load });
    expect(first.loaded).toBeDefined();
    expect(await count(first.db)).toBe(200);
    await first.close();
    expect(await schemas()).toEqual([`${prefix}${KEY}`]);

    const second = await openPgCorpus(TEST_DATABASE_URL, spec, { key: KEY, load: failing });
    expect(second.loaded).toBeUndefined();
    expect(await count(second.db)).toBe(200);
    // In use: a run with another key for the same spec leaves it alone.
    await expect(openPgCorpus(TEST_DATABASE_URL, spec, { key: OLD_KEY, load: failing })).rejects.toThrow('interrupted');
    expect(await schemas()).toEqual([`${prefix}${KEY}`]);
    await second.close();

    const fresh = await openPgCorpus(TEST_DATABASE_URL, spec, { key: KEY, load, fresh: true });
    expect(fresh.loaded).toBeDefined();
    expect(await count(fresh.db)).toBe(200);
    await fresh.close();
  });
});
