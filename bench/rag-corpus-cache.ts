// A loaded synthetic corpus kept between runs of `npm run bench:rag` (loading 100,000 chunks into
// PGlite takes many minutes). Where it lives:
// - PostgreSQL: schema `bench_rag_c<chunks>_s<seed>_d<dims>_<key>` in the benchmark's database;
// - PGlite: directory `r1-bench-pglite-c<chunks>_s<seed>_d<dims>_<key>` under os.tmpdir().
// <key> hashes what the corpus is made from (see corpusKey). A cache counts only when complete:
// PostgreSQL's schema gets its marker table after load, statistics and index; PGlite's directory
// is loaded under a `.tmp-<pid>` name and renamed into place when done. A cache of the same
// chunks/seed/dims with another key is stale and removed. `--clear-cache` removes all of them.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPgDb, createPgliteDb, migrate, type Db } from '../src/index.js';
import { listMigrations, MIGRATIONS_DIR } from '../src/storage/migrate.js';

/** Bump when the cache's layout or marker changes. */
const CACHE_FORMAT = 1;
const ROOT = path.resolve(import.meta.dirname, '..');
const GENERATOR_FILE = path.join(import.meta.dirname, 'rag-synthetic.ts');
export const PG_PREFIX = 'bench_rag_';
export const PGLITE_PREFIX = 'r1-bench-pglite-';

export interface CorpusSpec { chunks: number; seed: number; dims: number }
export interface LoadTimings { insertMs: number; statsMs: number; indexMs: number }
export interface CachedCorpus {
  db: Db;
  /** Set when this run loaded the corpus; undefined when it reused a cache. */
  loaded?: LoadTimings;
  /** The schema or directory. */
  location: string;
  close: () => Promise<void>;
}
export interface CacheOptions {
  /** Fills a migrated, empty database. */
  load: (db: Db) => Promise<LoadTimings>;
  /** Reload even when a complete cache exists. */
  fresh?: boolean;
  /** Overrides the hashed inputs (tests). */
  key?: string;
}

/**
 * Hash of everything the loaded corpus depends on: the spec, migrations/*.sql, the generator's
 * source (bench/rag-synthetic.ts) and, via `extra`, e.g. the PGlite version of a data directory.
 */
export async function corpusKey(spec: CorpusSpec, o: { migrationsDir?: string; generatorFile?: string; extra?: string[] } = {}): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, chunks: spec.chunks, seed: spec.seed, dims: spec.dims, extra: o.extra ?? [] }));
  for (const m of await listMigrations(o.migrationsDir ?? MIGRATIONS_DIR)) h.update(`\0${m.name}\0${m.sql}`);
  h.update(`\0generator\0${await readFile(o.generatorFile ?? GENERATOR_FILE, 'utf8')}`);
  return h.digest('hex').slice(0, 16);
}

/** The part of a cache's name shared by all keys of one spec (`c5000_s7_d64_`). */
export const specPrefix = (s: CorpusSpec) => `c${s.chunks}_s${s.seed}_d${s.dims}_`;

const MARKER = 'bench_corpus_complete';
async function writeMarker(db: Db, key: string, t: LoadTimings): Promise<void> {
  await db.exec(`CREATE TABLE ${MARKER} (key TEXT NOT NULL, insert_ms REAL, stats_ms REAL, index_ms REAL, completed_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  await db.query(`INSERT INTO ${MARKER} (key, insert_ms, stats_ms, index_ms) VALUES ($1, $2, $3, $4)`, [key, t.insertMs, t.statsMs, t.indexMs]);
}
/** Names of caches (any spec and key); the old scratch schemas/directories of random names never match. */
const PG_CACHE = /^bench_rag_c\d+_s\d+_d\d+_[0-9a-f]{16}$/;
const PGLITE_CACHE = /^r1-bench-pglite-c\d+_s\d+_d\d+_[0-9a-f]{16}(\.tmp-\d+)?$/;

async function fill(db: Db, key: string, load: CacheOptions['load']): Promise<LoadTimings> {
  await migrate(db);
  const t = await load(db);
  await writeMarker(db, key, t);
  return t;
}

// ---- PostgreSQL ------------------------------------------------------------------------------

const lockId = (schema: string) => createHash('sha256').update(`r1-bench-rag:${schema}`).digest().readBigInt64BE(0).toString();

/**
 * Opens the cached corpus schema, loading it first when missing, incomplete or `fresh`. A session
 * advisory lock serialises loaders of one schema; a shared one, held until close, keeps other runs
 * from dropping it as stale while it is in use.
 */
export async function openPgCorpus(connectionString: string, spec: CorpusSpec, o: CacheOptions & { out?: (l: string) => void }): Promise<CachedCorpus> {
  const key = o.key ?? (await corpusKey(spec));
  const schema = `${PG_PREFIX}${specPrefix(spec)}${key}`;
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  let db: Db | undefined;
  try {
    if (!(await admin.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockId(schema)])).rows[0]!.ok) {
      o.out?.(`  waiting for another run using schema ${schema}`);
      await admin.query('SELECT pg_advisory_lock($1)', [lockId(schema)]);
    }
    let loaded: LoadTimings | undefined;
    try {
      await dropPgCaches(admin, `${PG_PREFIX}${specPrefix(spec)}`, schema);
      const { rows } = await admin.query<{ ok: boolean }>(
        `SELECT to_regclass($1) IS NOT NULL AS ok`, [`"${schema}".${MARKER}`]);
      const complete = !o.fresh && rows[0]!.ok && (await admin.query(`SELECT 1 FROM "${schema}".${MARKER} WHERE key = $1`, [key])).rowCount === 1;
      if (!complete) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      db = await createPgDb({ connectionString, schema, max: 4 });
      if (!complete) {
        try {
          loaded = await fill(db, key, o.load);
        } catch (e) {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
          throw e;
        }
      }
      await admin.query('SELECT pg_advisory_lock_shared($1)', [lockId(schema)]);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [lockId(schema)]).catch(() => {});
    }
    const d = db;
    return { db: d, loaded, location: `schema ${schema}`, close: async () => { await d.close(); await admin.end(); } };
  } catch (e) {
    await db?.close();
    await admin.end().catch(() => {});
    throw e;
  }
}

/** Drops the cache schemas starting with `prefix` except `keep`, skipping those another run holds. Returns their names. */
async function dropPgCaches(admin: pg.Client, prefix: string, keep?: string): Promise<string[]> {
  const { rows } = await admin.query<{ s: string }>('SELECT nspname AS s FROM pg_namespace WHERE left(nspname, length($1)) = $1 ORDER BY 1', [prefix]);
  const dropped: string[] = [];
  for (const { s } of rows) {
    if (s === keep || !PG_CACHE.test(s)) continue;
    const { rows: got } = await admin.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockId(s)]);
    if (!got[0]!.ok) continue;
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      dropped.push(s);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [lockId(s)]);
    }
  }
  return dropped;
}

// ---- PGlite ----------------------------------------------------------------------------------

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** `<dir>.lock` holding our pid: one process at a time in a PGlite data directory. A dead holder's lock is taken over. */
async function lockDir(dir: string, out?: (l: string) => void): Promise<() => Promise<void>> {
  const file = `${dir}.lock`;
  let said = false;
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => unlink(file).catch(() => {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await readFile(file, 'utf8').catch(() => ''));
    if (!holder || !alive(holder)) {
      await unlink(file).catch(() => {});
      continue;
    }
    if (!said) out?.(`  waiting for process ${holder}, which is using ${dir}`);
    said = true;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const lockedByOther = async (dir: string) => {
  const holder = Number(await readFile(`${dir}.lock`, 'utf8').catch(() => ''));
  return holder > 0 && holder !== process.pid && alive(holder);
};

/** Removes PGlite caches in `root` whose name starts with `prefix` (except `keep`) and dead runs' `.tmp-<pid>` directories. */
async function removePgliteCaches(root: string, prefix: string, keep?: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !PGLITE_CACHE.test(name)) continue;
    const tmp = /\.tmp-(\d+)$/.exec(name);
    const base = path.join(root, tmp ? name.slice(0, tmp.index) : name);
    if (tmp ? alive(Number(tmp[1])) : name === keep || (await lockedByOther(base))) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    if (!tmp) await unlink(`${base}.lock`).catch(() => {}); // a dead run's
    removed.push(path.join(root, name));
  }
  return removed;
}

async function pgliteVersions(): Promise<string[]> {
  const v = async (pkg: string) => (JSON.parse(await readFile(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return [`pglite ${await v('@electric-sql/pglite')}`, `pgvector ${await v('@electric-sql/pglite-pgvector')}`];
}

/**
 * Opens the cached PGlite data directory under `root` (os.tmpdir()), loading it first into
 * `<dir>.tmp-<pid>` and renaming that into place when complete. A lock file keeps other runs
 * out of the directory until close.
 */
export async function openPgliteCorpus(spec: CorpusSpec, o: CacheOptions & { root?: string; out?: (l: string) => void; openDir?: (dir: string) => Promise<Db> }): Promise<CachedCorpus> {
  const root = o.root ?? tmpdir();
  const key = o.key ?? (await corpusKey(spec, { extra: await pgliteVersions() }));
  const name = `${PGLITE_PREFIX}${specPrefix(spec)}${key}`;
  const dir = path.join(root, name);
  const openDir = o.openDir ?? ((d: string) => createPgliteDb({ dataDir: d }));
  const unlock = await lockDir(dir, o.out);
  let db: Db | undefined;
  try {
    await removePgliteCaches(root, `${PGLITE_PREFIX}${specPrefix(spec)}`, name);
    if (o.fresh) await rm(dir, { recursive: true, force: true });
    if (existsSync(dir)) {
      db = await openDir(dir);
      const { rows } = await db.query<{ ok: boolean }>(`SELECT to_regclass('${MARKER}') IS NOT NULL AS ok`);
      if (rows[0]!.ok && (await db.query(`SELECT 1 FROM ${MARKER} WHERE key = $1`, [key])).rows.length === 1) {
        const d = db;
        return { db: d, location: dir, close: async () => { await d.close(); await unlock(); } };
      }
      await db.close(); // renamed into place without its marker: not ours to trust
      await rm(dir, { recursive: true, force: true });
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    let loaded: LoadTimings;
    try {
      db = await openDir(tmp);
      loaded = await fill(db, key, o.load);
      await db.close();
      await rename(tmp, dir);
    } catch (e) {
      await db?.close().catch(() => {});
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    db = await openDir(dir);
    const d = db;
    return { db: d, loaded, location: dir, close: async () => { await d.close(); await unlock(); } };
  } catch (e) {
    await db?.close().catch(() => {});
    await unlock();
    throw e;
  }
}

/** Removes every cached corpus (all specs and keys) not in use by another run: `--clear-cache`. */
export async function clearCorpusCaches(connectionString: string | undefined, root = tmpdir()): Promise<string[]> {
  const removed = await removePgliteCaches(root, `${PGLITE_PREFIX}c`);
  if (connectionString) {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      removed.push(...(await dropPgCaches(admin, `${PG_PREFIX}c`)).map((s) => `schema ${s}`));
    } finally {
      await admin.end();
    }
  }
  return removed;
}
