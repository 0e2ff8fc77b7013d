import pg from 'pg';
import { DatabaseUnavailableError } from '../errors.js';
import type { Db } from './db.js';

export interface PgDbOptions {
  connectionString: string;
  /** Pool size. Defaults to 10. */
  max?: number;
  /** Schema to use (search_path), for isolated tests. Created if missing. */
  schema?: string;
}

const quoteIdent = (s: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`invalid schema name ${JSON.stringify(s)}`);
  return `"${s}"`;
};

/** Where a PostgreSQL URL points, without its credentials. */
function hostPortOf(connectionString: string): { host: string; port: string } {
  try {
    const u = new URL(connectionString);
    return { host: decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost', port: u.port || '5432' };
  } catch {
    return { host: 'unknown host', port: 'unknown port' };
  }
}

/** One connection before anything else, so an unreachable server is one clear error, not pg-pool's stack. */
async function assertReachable(pool: pg.Pool, connectionString: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {}); // the pool never served; its own failure adds nothing
    const { host, port } = hostPortOf(connectionString);
    const err = e as { code?: string; message?: string };
    // pg's message can quote the user name or database, never the password; keep to code or message.
    const reason = err.code ?? err.message ?? String(e);
    throw new DatabaseUnavailableError(host, port, `cannot connect to PostgreSQL at ${host}:${port} (${reason})`, { cause: e });
  }
}

export async function createPgDb({ connectionString, max = 10, schema }: PgDbOptions): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max, ...(schema ? { options: `-c search_path=${schema},public` } : {}) });
  pool.on('error', () => {}); // idle client errors surface on the next query instead of crashing
  await assertReachable(pool, connectionString);
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  let closed: Promise<void> | undefined;
  let vector: Promise<boolean> | undefined;
  return {
    kind: 'pg',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pool.query(sql, params as unknown[])).rows as T[] }),
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await fn({
          query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params as unknown[])).rows as T[] }),
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    hasVector: () =>
      (vector ??= pool
        .query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`)
        .then((r) => (r.rowCount ?? 0) > 0)
        .catch(() => false)),
    close: () => (closed ??= pool.end()),
  };
}
