import type { Db } from '../../storage/index.js';

export interface VectorHit {
  id: string;
  /** Cosine similarity (vectors are stored unit-length). */
  similarity: number;
}

/** Name of the partial HNSW expression index for one embedding dimension. */
export const vectorIndexName = (dims: number) => `kb_chunks_embedding_${dims}_idx`;

const assertDims = (dims: number) => {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16000) throw new RangeError(`invalid embedding dimension ${dims}`);
};

/** Whether pgvector is installed in this database (checked, not assumed: the migration tries to create it). */
export async function hasPgvector(db: Pick<Db, 'query'>): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
  return rows.length > 0;
}

/**
 * Creates the HNSW index (cosine) over `embedding::vector(dims)` for chunks of that dimension.
 * pgvector needs a fixed dimension per index and the model decides it, so the index is made
 * when embeddings of a new size first arrive, not in a migration.
 */
export async function ensureVectorIndex(db: Pick<Db, 'exec'>, dims: number): Promise<void> {
  assertDims(dims);
  await db.exec(
    `CREATE INDEX IF NOT EXISTS ${vectorIndexName(dims)} ON kb_chunks USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE embedding_dims = ${dims}`,
  );
}

/**
 * Nearest chunks by cosine with pgvector's HNSW index. `hnsw.iterative_scan` (pgvector ≥ 0.8)
 * keeps scanning when the scope filter removes candidates, so a small scope in a big table still
 * gets its `limit` hits.
 */
export async function pgvectorSearch(db: Pick<Db, 'transaction'>, scopeIds: string[], query: number[], limit: number): Promise<VectorHit[]> {
  if (scopeIds.length === 0) return [];
  const dims = query.length;
  assertDims(dims);
  const rows = await db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = ${Math.max(40, Math.min(1000, limit * 2))}`);
    return (await tx.query<{ id: string; d: number }>(
      `SELECT id, (embedding::vector(${dims})) <=> $2::vector(${dims}) AS d FROM kb_chunks
       WHERE scope_id = ANY($1::bigint[]) AND embedding_dims = ${dims}
       ORDER BY (embedding::vector(${dims})) <=> $2::vector(${dims}) LIMIT $3`,
      [scopeIds, JSON.stringify(query), limit],
    )).rows;
  });
  return rows.map((r) => ({ id: String(r.id), similarity: 1 - Number(r.d) })).sort((a, b) => b.similarity - a.similarity);
}

interface ScopeMatrix {
  version: string;
  ids: string[];
  dims: number;
  data: Float32Array;
}

/**
 * The fallback where PostgreSQL has no pgvector: an exact cosine scan in JS over the scope's
 * embeddings, loaded once per scope version (`kb_scopes.updated_at`, bumped by every ingestion)
 * and kept in memory (chunks × dims × 4 bytes: 100k × 384 ≈ 150 MB).
 */
export class MemoryVectorIndex {
  private readonly scopes = new Map<string, Promise<ScopeMatrix>>();

  async search(db: Pick<Db, 'query'>, scopeIds: string[], query: number[], limit: number): Promise<VectorHit[]> {
    if (scopeIds.length === 0) return [];
    const { rows } = await db.query<{ id: string; v: string }>(`SELECT id, updated_at::text AS v FROM kb_scopes WHERE id = ANY($1::bigint[])`, [scopeIds]);
    const mats = await Promise.all(rows.map((r) => this.matrix(db, String(r.id), r.v)));
    const dims = query.length;
    const q = Float32Array.from(query);
    const top: VectorHit[] = [];
    let floor = -Infinity;
    for (const m of mats) {
      if (m.dims !== dims) continue;
      for (let i = 0; i < m.ids.length; i++) {
        let dot = 0;
        const off = i * dims;
        for (let j = 0; j < dims; j++) dot += m.data[off + j]! * q[j]!;
        if (top.length < limit || dot > floor) {
          top.push({ id: m.ids[i]!, similarity: dot });
          if (top.length > limit * 4) {
            top.sort((a, b) => b.similarity - a.similarity).length = limit;
            floor = top[limit - 1]!.similarity;
          }
        }
      }
    }
    return top.sort((a, b) => b.similarity - a.similarity).slice(0, limit);
  }

  private matrix(db: Pick<Db, 'query'>, scopeId: string, version: string): Promise<ScopeMatrix> {
    const cached = this.scopes.get(scopeId);
    const load = async (): Promise<ScopeMatrix> => {
      const prev = await cached?.catch(() => null);
      if (prev && prev.version === version) return prev;
      const { rows } = await db.query<{ id: string; embedding: number[] }>(
        `SELECT id, embedding FROM kb_chunks WHERE scope_id = $1 AND embedding IS NOT NULL
         AND embedding_dims = (SELECT embedding_dims FROM kb_chunks WHERE scope_id = $1 AND embedding_dims IS NOT NULL LIMIT 1) ORDER BY id`,
        [scopeId],
      );
      const dims = rows[0]?.embedding.length ?? 0;
      const data = new Float32Array(rows.length * dims);
      rows.forEach((r, i) => data.set(r.embedding.map(Number), i * dims));
      return { version, ids: rows.map((r) => String(r.id)), dims, data };
    };
    const p = cached ? cached.then((m) => (m.version === version ? m : load()), load) : load();
    this.scopes.set(scopeId, p);
    p.catch(() => this.scopes.delete(scopeId));
    return p;
  }

  clear(): void {
    this.scopes.clear();
  }
}
