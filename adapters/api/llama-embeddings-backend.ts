import path from 'node:path';
import type { LlamaEmbedder } from '../../src/index.js';
import { ApiUnavailableError } from './errors.js';
import type { ApiEmbeddingsBackend } from './types.js';

type EmbedderLike = Pick<LlamaEmbedder, 'embed' | 'countTokens'>;

/**
 * `/v1/embeddings` on the process's embedding model (the one retrieval uses). Pass a getter when
 * the model loads after the routes are registered (the worker's): until it is there, 503.
 */
export function createLlamaEmbeddingsBackend(embedder: EmbedderLike | (() => EmbedderLike | undefined), modelPath: string): ApiEmbeddingsBackend {
  const current = typeof embedder === 'function' ? embedder : () => embedder;
  return {
    model: path.basename(modelPath).replace(/\.gguf$/i, ''),
    async embed(inputs) {
      const e = current();
      if (!e) throw new ApiUnavailableError('The embedding model is still loading; retry shortly.', 5);
      const vectors = await e.embed(inputs);
      return { vectors, promptTokens: inputs.reduce((n, t) => n + e.countTokens(t), 0) };
    },
  };
}
