import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LlamaEmbeddingContext } from 'node-llama-cpp';
import type { Logger } from '../log/logger.js';
import { loadModel, type GpuSetting, type LoadedModel } from './load-model.js';

export interface LlamaEmbedderOptions {
  /** GGUF embedding model (mean-pooled models embed best; see shared/models/README.md). */
  modelPath: string;
  /** llama.cpp threads for the embedding context. Always explicit: the library default (6) oversubscribes small hosts. */
  threads: number;
  /** Embedding context size in tokens; longer texts are truncated to it. Defaults to 512. */
  contextSize?: number;
  /** Defaults to `false` (CPU). */
  gpu?: GpuSetting;
  log: Logger;
}

/**
 * Embeddings with node-llama-cpp's embedding context. Implements the `Embedder` that `src/rag/`
 * takes (structurally: the engine does not depend on rag). Calls are serialised: one context.
 */
export class LlamaEmbedder {
  private closing?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly context: LlamaEmbeddingContext,
    /** File name and size: chunks embedded by another model are re-embedded. */
    readonly modelId: string,
    private readonly maxTokens: number,
  ) {}

  static async create(o: LlamaEmbedderOptions): Promise<LlamaEmbedder> {
    const loaded = await loadModel({ modelPath: o.modelPath, modelUri: 'unused', downloadDir: '/nonexistent', gpu: o.gpu ?? 'false', threads: o.threads, log: o.log });
    try {
      const contextSize = Math.min(o.contextSize ?? 512, loaded.model.trainContextSize);
      const context = await loaded.model.createEmbeddingContext({ contextSize, threads: o.threads });
      const size = (await stat(loaded.modelPath)).size;
      o.log.info({ model: loaded.modelPath, contextSize, threads: o.threads }, 'embedding model loaded');
      // getEmbeddingFor adds BOS/EOS and refuses inputs of contextSize tokens or more.
      return new LlamaEmbedder(loaded, context, `${path.basename(loaded.modelPath)}:${size}`, contextSize - 4);
    } catch (e) {
      await loaded.model.dispose().catch(() => {});
      await loaded.llama.dispose().catch(() => {});
      throw e;
    }
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Tokens a text takes (at most the context's limit, as `embed` truncates), for usage reporting. */
  countTokens(text: string): number {
    return Math.min(this.loaded.model.tokenize(text.trim() || ' ').length, this.maxTokens);
  }

  /** One vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new Error('LlamaEmbedder is closed'));
    const run = this.queue.then(async () => {
      const out: Float32Array[] = [];
      for (const t of texts) {
        let tokens = this.loaded.model.tokenize(t.trim() || ' ');
        if (tokens.length > this.maxTokens) tokens = tokens.slice(0, this.maxTokens);
        const e = await this.context.getEmbeddingFor(tokens);
        out.push(Float32Array.from(e.vector));
      }
      return out;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.catch(() => {});
      await this.context.dispose().catch(() => {});
      await this.loaded.model.dispose().catch(() => {});
      await this.loaded.llama.dispose().catch(() => {});
    })();
    return this.closing;
  }
}
