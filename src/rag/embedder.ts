/**
 * What retrieval and ingestion need from an embedding model. The engine implements it with
 * node-llama-cpp (`createLlamaEmbedder`); `src/rag/` never touches the model itself.
 */
export interface Embedder {
  /** Identifies the model (file name + size): chunks embedded by another model are re-embedded, never mixed. */
  readonly modelId: string;
  /** One vector per text, in order. Any length; retrieval normalises them. */
  embed(texts: string[]): Promise<ArrayLike<number>[]>;
}

/** Unit-length copy of a vector (cosine similarity becomes a dot product). A zero vector stays zero. */
export function normalize(v: ArrayLike<number>): number[] {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  return Array.from(v, (x) => x * inv);
}

/** The text embedded for a chunk: its document title and section path give it context. */
export const embeddingText = (title: string, headingPath: string[], text: string): string =>
  [title, headingPath.join(' > '), text].filter(Boolean).join('\n');
