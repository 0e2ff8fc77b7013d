import path from 'node:path';
import type { Db } from './db.js';
import { createPgDb } from './pg-db.js';
import { createPgliteDb } from './pglite-db.js';

export interface OpenDbOptions {
  /** PostgreSQL URL; unset = embedded PGlite under `dataDir/pglite`. */
  databaseUrl?: string;
  dataDir: string;
  schema?: string;
}

export function openDb({ databaseUrl, dataDir, schema }: OpenDbOptions): Promise<Db> {
  return databaseUrl ? createPgDb({ connectionString: databaseUrl, schema }) : createPgliteDb({ dataDir: path.join(dataDir, 'pglite') });
}
