import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

/** `migrations/` at the repository root. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
/** Arbitrary constant: serialises migrators across processes on PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_316_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ version: Number(f.slice(0, 4)), name: f, sql: await readFile(path.join(dir, f), 'utf8') })));
}

/**
 * Applies pending migrations in order, each in its own transaction. A file may start with
 * `-- requires: vector` to run only where pgvector is available (it is then recorded as skipped
 * and retried on a later run that has the extension).
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<{ applied: string[]; skipped: string[] }> {
  const applied: string[] = [];
  const skipped: string[] = [];
  const vector = await db.hasVector();
  const migrations = await listMigrations(dir);
  // One transaction: on PostgreSQL the advisory lock serialises concurrent migrators (several
  // pods starting at once) and is released at commit; a failing migration leaves nothing half-done.
  await db.transaction(async (tx) => {
    if (db.kind === 'pg') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      if (/^--\s*requires:\s*vector/.test(m.sql) && !vector) {
        skipped.push(m.name);
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
  });
  return { applied, skipped };
}
