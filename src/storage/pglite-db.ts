import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db } from './db.js';

export interface PgliteDbOptions {
  /** Directory for the data files; `memory://` keeps it in memory (tests). */
  dataDir: string;
  /**
   * Start from this dump of a data directory (`PGlite.dumpDataDir('none')`) instead of an empty
   * one: no initdb, which is most of the start-up. Tests clone a template this way.
   */
  loadDataDir?: Blob;
}

/** Embedded PostgreSQL (PGlite, WASM) with pgvector: the default when DATABASE_URL is unset. */
export async function createPgliteDb({ dataDir, loadDataDir }: PgliteDbOptions): Promise<Db> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, { extensions: { vector }, ...(loadDataDir ? { loadDataDir } : {}) });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  let closed: Promise<void> | undefined;
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await db.query<T>(sql, params)).rows }),
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await tx.query<T>(sql, params)).rows }),
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    hasVector: async () => true,
    close: () => (closed ??= db.close()),
  };
}
