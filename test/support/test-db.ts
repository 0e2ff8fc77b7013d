import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { createPgDb, createPgliteDb, type Db } from '../../src/index.js';
import { TEST_DATABASE_URL, uniqueId } from './test-config.js';

/** A real PostgreSQL database in a fresh schema (dropped by `close`). */
export async function createTestPgDb(): Promise<Db> {
  const schema = uniqueId('s').toLowerCase();
  const db = await createPgDb({ connectionString: TEST_DATABASE_URL, schema, max: 4 });
  const close = db.close;
  return {
    ...db,
    close: async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await close();
    },
  };
}

const ROOT = path.resolve(import.meta.dirname, '../..');
let template: Promise<Blob> | undefined;

/**
 * A fresh data directory right after initdb and `CREATE EXTENSION vector` (not migrated), as a
 * dump. initdb is most of a PGlite start (seconds on 2 cores), so it runs once: the dump is kept
 * in this process and in the temp directory (keyed by the PGlite and pgvector versions) for the
 * other test workers.
 */
export function emptyDataDir(): Promise<Blob> {
  template ??= (async () => {
    const version = async (pkg: string) => (JSON.parse(await readFile(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    const file = path.join(tmpdir(), `r1-test-pglite-${await version('@electric-sql/pglite')}-${await version('@electric-sql/pglite-pgvector')}.tar`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const pg = await PGlite.create('memory://', { extensions: { vector } });
      await pg.exec('CREATE EXTENSION IF NOT EXISTS vector');
      const dump = await pg.dumpDataDir('none');
      await pg.close();
      const tmp = `${file}.${process.pid}`;
      await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
      await rename(tmp, file); // atomic: another worker reads a whole dump or none
      return dump;
    }
  })();
  return template;
}

/** An in-memory PGlite database (empty: a copy of a template made once, see emptyDataDir). */
export const createTestPgliteDb = async (): Promise<Db> => createPgliteDb({ dataDir: 'memory://', loadDataDir: await emptyDataDir() });
