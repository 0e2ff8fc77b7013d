import { basename } from 'node:path';
import type { ChatHistoryItem, LlamaContext, LlamaGrammar } from 'node-llama-cpp';
import { LlamaChatSession } from 'node-llama-cpp';
import type { Logger } from '../log/logger.js';
import type { ChatTurn } from '../prompts/index.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { SequencePool } from './sequence-pool.js';
import { splitThought, type ResponseItem } from './split-thought.js';
import { fileSha256 } from './file-sha256.js';
import type { EffectiveEngineSettings, GenerateRequest, GenerateResult, InferenceEngineOptions } from './types.js';
import { fallbackPlan } from './fallback-plan.js';
import { ModelUnavailableError } from '../errors.js';
import type { Engine, ModelIdentity } from './engine.js';

const toHistory = (turns: ChatTurn[]): ChatHistoryItem[] =>
  turns.map((t) => (t.role === 'assistant' ? { type: 'model', response: [t.text] } : { type: t.role, text: t.text }));

/**
 * The local engine (`ENGINE=llama`): one model, one context, `sequences` sequences. Concurrent
 * `generate` calls each hold a sequence and are evaluated together in llama.cpp batches.
 */
export class InferenceEngine implements Engine {
  readonly kind = 'llama' as const;
  private closing?: Promise<void>;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  /** sha256 of the model file, computed in the background after load. */
  readonly modelSha256: Promise<string>;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly context: LlamaContext,
    readonly pool: SequencePool,
    readonly options: InferenceEngineOptions,
    readonly loadMs: number,
    /** Sequences and context size in use, after any out-of-memory fallback. */
    readonly effective: EffectiveEngineSettings,
  ) {
    this.modelSha256 = fileSha256(loaded.modelPath);
    this.modelSha256.catch(() => {});
  }

  static async create(options: InferenceEngineOptions, log: Logger): Promise<InferenceEngine> {
    const timeoutMs = options.loadTimeoutMs ?? 600_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModelUnavailableError(options.modelPath, `MODEL_LOAD_TIMEOUT_MS: the model did not load within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([InferenceEngine.load(options, log), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private static async load(options: InferenceEngineOptions, log: Logger): Promise<InferenceEngine> {
    const t0 = performance.now();
    const loaded = await loadModel({ ...options, log });
    const fallbacks: EffectiveEngineSettings['fallbacks'] = [];
    try {
      // On a failure to create the context (typically out of VRAM), retry with fewer sequences,
      // then a smaller context, and say what was chosen: never crash-loop silently.
      for (const attempt of fallbackPlan(options.sequences, options.contextSize, options.minContextSize ?? 2048)) {
        const create = () => loaded.model.createContext({ contextSize: attempt.contextSize, sequences: attempt.sequences, threads: options.threads, failedCreationRemedy: false });
        try {
          const context = (await (options.createContextHook ? options.createContextHook(attempt, create) : create())) as LlamaContext;
          if (fallbacks.length) log.warn({ configured: { sequences: options.sequences, contextSize: options.contextSize }, chosen: attempt, failures: fallbacks.length }, 'context created with a smaller configuration after failures');
          const engine = new InferenceEngine(loaded, context, new SequencePool(context, attempt.sequences), options, performance.now() - t0, { ...attempt, fallbacks });
          log.info({ model: loaded.modelPath, sequences: attempt.sequences, contextSize: context.contextSize, threads: options.threads, gpu: loaded.llama.gpu, loadMs: Math.round(engine.loadMs) }, 'model loaded');
          return engine;
        } catch (e) {
          const error = (e as Error).message;
          fallbacks.push({ ...attempt, error });
          log.error({ sequences: attempt.sequences, contextSize: attempt.contextSize, err: error }, 'context creation failed; retrying with a smaller configuration');
        }
      }
      throw new ModelUnavailableError(loaded.modelPath, `could not create a context even with 1 sequence and ${options.minContextSize ?? 2048} tokens: ${fallbacks.at(-1)?.error}. Lower LLAMA_GPU_LAYERS or free GPU memory.`);
    } catch (e) {
      await loaded.model.dispose().catch(() => {});
      await loaded.llama.dispose().catch(() => {});
      throw e;
    }
  }

  /** GGUF file name and sha256 (resolves when the background hash is done). */
  get modelIdentity(): Promise<ModelIdentity> {
    return this.modelSha256.then(
      (sha256) => ({ engine: 'llama' as const, id: basename(this.loaded.modelPath), sha256 }),
      () => ({ engine: 'llama' as const, id: basename(this.loaded.modelPath), sha256: null }),
    );
  }

  /** One job per sequence. */
  get concurrency(): number {
    return this.pool.size;
  }

  get inFlight(): number {
    return this.pool.inUse;
  }

  get modelPath(): string {
    return this.loaded.modelPath;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Name of the chat wrapper resolved from the model file (DeepSeek for R1 distills). */
  get llama() {
    return this.loaded.llama;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    if (this.closed) throw new Error('InferenceEngine is closed');
    const t0 = performance.now();
    const seq = await this.pool.acquire();
    const tAcquired = performance.now();
    let batchPeak = this.pool.inUse;
    let firstTokenAt: number | null = null;
    let completionTokens = 0;
    let reasoningTokens = 0;
    const inputBefore = seq.tokenMeter.usedInputTokens;
    const session = new LlamaChatSession({ contextSequence: seq, autoDisposeSequence: false });
    try {
      session.setChatHistory(toHistory(req.context));
      const grammar = req.jsonSchema ? await this.grammarFor(req.jsonSchema) : req.gbnf ? await this.gbnfGrammar(req.gbnf) : undefined;
      const res = await session.promptWithMeta(req.question, {
        maxTokens: req.maxTokens,
        temperature: req.temperature,
        signal: req.signal,
        stopOnAbortSignal: true,
        grammar,
        budgets: req.thoughtBudget !== undefined ? { thoughtTokens: req.thoughtBudget } : undefined,
        onToken: (tokens) => {
          completionTokens += tokens.length;
          firstTokenAt ??= performance.now();
          batchPeak = Math.max(batchPeak, this.pool.inUse);
        },
        onResponseChunk: (chunk) => {
          const kind = chunk.type === 'segment' && chunk.segmentType === 'thought' ? 'thought' : 'answer';
          if (kind === 'thought') reasoningTokens += chunk.tokens.length;
          if (!req.onChunk || !chunk.text) return;
          req.onChunk({ kind, text: chunk.text });
        },
      });
      const { answer, reasoning } = splitThought(res.response as ResponseItem[]);
      const tEnd = performance.now();
      return {
        answer,
        reasoning,
        stopped: res.stopReason === 'abort' || req.signal?.aborted === true,
        promptTokens: seq.tokenMeter.usedInputTokens - inputBefore,
        completionTokens,
        reasoningTokens,
        batchPeak,
        timings: {
          sequenceWaitMs: tAcquired - t0,
          firstTokenMs: firstTokenAt === null ? null : firstTokenAt - tAcquired,
          totalMs: tEnd - t0,
        },
      };
    } finally {
      session.dispose({ disposeSequence: false });
      await this.pool.release(seq);
    }
  }

  private gbnfGrammar(gbnf: string): Promise<LlamaGrammar> {
    let g = this.grammars.get(`gbnf:${gbnf}`);
    if (!g) {
      g = this.loaded.llama.createGrammar({ grammar: gbnf });
      this.grammars.set(`gbnf:${gbnf}`, g);
    }
    return g;
  }

  private grammarFor(schema: object): Promise<LlamaGrammar> {
    const k = JSON.stringify(schema);
    let g = this.grammars.get(k);
    if (!g) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GBNF JSON schema typing is stricter than plain JSON Schema objects
      g = this.loaded.llama.createGrammarForJsonSchema(schema as any) as Promise<LlamaGrammar>;
      this.grammars.set(k, g);
    }
    return g;
  }

  /** Disposes context, model and llama.cpp. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.context.dispose().catch(() => {});
      await this.loaded.model.dispose().catch(() => {});
      await this.loaded.llama.dispose().catch(() => {});
    })();
    return this.closing;
  }
}
