/**
 * The one storage interface: PostgreSQL via `pg`, or embedded PGlite. Both speak PostgreSQL SQL
 * with `$1` bind parameters. Callers speak in queries, never in connections.
 */
export interface Db {
  readonly kind: 'pg' | 'pglite';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs several statements (migrations). No parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in a transaction on one connection. */
  transaction<T>(fn: (tx: Pick<Db, 'query' | 'exec'>) => Promise<T>): Promise<T>;
  /** Whether the pgvector extension can be used. */
  hasVector(): Promise<boolean>;
  close(): Promise<void>;
}
