import path from 'node:path';
import type { LlamaEmbedder } from '../../src/index.js';
import type { ApiEmbeddingsBackend } from './types.js';

/** `/v1/embeddings` on the process's embedding model (the one retrieval uses). */
export function createLlamaEmbeddingsBackend(embedder: Pick<LlamaEmbedder, 'embed' | 'countTokens'>, modelPath: string): ApiEmbeddingsBackend {
  return {
    model: path.basename(modelPath).replace(/\.gguf$/i, ''),
    async embed(inputs) {
      const vectors = await embedder.embed(inputs);
      return { vectors, promptTokens: inputs.reduce((n, t) => n + embedder.countTokens(t), 0) };
    },
  };
}
