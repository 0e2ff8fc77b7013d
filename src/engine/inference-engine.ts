import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path, { basename } from 'node:path';
import type { ChatHistoryItem, ChatWrapper, LlamaContext, LlamaGrammar } from 'node-llama-cpp';
import { LlamaChatSession, resolveChatWrapper } from 'node-llama-cpp';
import { AdapterContexts, type AdapterReload } from './adapter-contexts.js';
import { assertLoraAdapterFile, type LoraAdapterSpec } from './lora-file.js';
import type { Logger } from '../log/logger.js';
import type { ChatTurn } from '../prompts/index.js';
import { loadModel, type LoadedModel } from './load-model.js';
import { SequencePool } from './sequence-pool.js';
import { splitThought, type ResponseItem } from './split-thought.js';
import { fileSha256 } from './file-sha256.js';
import type { EffectiveEngineSettings, GenerateRequest, GenerateResult, InferenceEngineOptions } from './types.js';
import { fallbackPlan } from './fallback-plan.js';
import { JSON_SCHEMA_REFUSED, jsonSchemaGrammarProblem, toLlamaJsonSchema } from './json-schema-grammar.js';
import { EngineRequestError, ModelUnavailableError } from '../errors.js';
import type { Engine, ModelIdentity } from './engine.js';
import { answerBudget } from './context-budget.js';

/** JSON-schema grammars kept compiled (the oldest is dropped past this). */
const MAX_CACHED_GRAMMARS = 64;

const toHistory = (turns: ChatTurn[]): ChatHistoryItem[] =>
  turns.map((t) => (t.role === 'assistant' ? { type: 'model', response: [t.text] } : { type: t.role, text: t.text }));

/**
 * The local engine (`ENGINE=llama`): one model, one base context with `sequences` sequences, and
 * one more context per LoRA adapter (llama.cpp sets adapters per context; the weights are shared).
 * Concurrent `generate` calls each hold a sequence of the context their adapter names and are
 * evaluated together in llama.cpp batches.
 */
export class InferenceEngine implements Engine {
  readonly kind = 'llama' as const;
  private closing?: Promise<void>;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly unknownAdapters = new Set<string>();
  /** sha256 of the model file, computed in the background after load. */
  readonly modelSha256: Promise<string>;
  /** The chat template `LlamaChatSession` resolves from the model file (the same for every context). */
  private chatWrapper?: ChatWrapper;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly context: LlamaContext,
    readonly pool: SequencePool,
    readonly options: InferenceEngineOptions,
    readonly loadMs: number,
    /** Sequences and context size in use, after any out-of-memory fallback. */
    readonly effective: EffectiveEngineSettings,
    /** The LoRA adapters' contexts (LORA_ADAPTERS); empty without adapters. */
    readonly adapters: AdapterContexts,
    private readonly log: Logger,
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
    // Adapter files are checked before the model loads: a wrong LORA_ADAPTERS entry fails fast.
    for (const spec of options.adapters ?? []) await assertLoraAdapterFile(spec, undefined);
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
          let adapters: AdapterContexts;
          try {
            adapters = await AdapterContexts.create({
              model: loaded.model, architecture: loaded.model.fileInfo.metadata.general?.architecture, sequences: options.adapterSequences ?? 1,
              contextSize: attempt.contextSize, threads: options.threads, log,
              // This process's own folder, created (with its parents: DATA_DIR may be new) when the
              // first adapter loads, at start or when a SIGHUP adds one to a worker started without.
              dir: path.join(options.adapterDir ?? tmpdir(), `r1-lora-${process.pid}-${randomBytes(4).toString('hex')}`),
            }, options.adapters ?? []);
          } catch (e) {
            await context.dispose().catch(() => {});
            throw new AdapterStartError(e);
          }
          const engine = new InferenceEngine(loaded, context, new SequencePool(context, attempt.sequences), options, performance.now() - t0, { ...attempt, fallbacks }, adapters, log);
          if (adapters.names.length) log.info({ adapters: adapters.names.map((n) => ({ name: n, scale: adapters.get(n)!.spec.scale, sha256: adapters.get(n)!.version.sha256 })), sequencesEach: options.adapterSequences ?? 1 }, 'LoRA adapters loaded');
          log.info({ model: loaded.modelPath, sequences: attempt.sequences, contextSize: context.contextSize, threads: options.threads, gpu: loaded.llama.gpu, loadMs: Math.round(engine.loadMs) }, 'model loaded');
          return engine;
        } catch (e) {
          // A bad adapter is a configuration error, not an out-of-memory one: no smaller retry.
          if (e instanceof AdapterStartError) throw e.cause;
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

  /** One job per sequence, of every context (base and adapters). */
  get concurrency(): number {
    return this.pool.size + this.adapters.sequences;
  }

  /** Sequences generating now, in the base context and in the adapters' current contexts. */
  get inFlight(): number {
    let n = this.pool.inUse;
    for (const name of this.adapters.names) n += this.adapters.get(name)!.pool.inUse;
    return n;
  }

  get modelPath(): string {
    return this.loaded.modelPath;
  }

  /**
   * Loads new adapter versions (changed file, path or scale; adapters added or removed); a
   * replaced context is disposed once its jobs are done. `specs` defaults to the current list.
   */
  reloadAdapters(specs?: LoraAdapterSpec[]): Promise<AdapterReload[]> {
    return this.adapters.reload(specs);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Tokens one sequence holds. node-llama-cpp 3.21 gives every sequence its own `contextSize`
   * cells (LLAMA_CONTEXT_SIZE is per sequence, not shared); after any out-of-memory fallback.
   */
  get sequenceContextSize(): number {
    return Math.min(this.context.contextSize, this.effective.contextSize);
  }

  /**
   * Tokens of the prompt `generate` sends for this context and question: the chat template applied
   * to the whole history, tokenized with the model's own tokenizer (what the sequence evaluates).
   */
  countPromptTokens(context: ChatTurn[], question: string): number {
    this.chatWrapper ??= resolveChatWrapper(this.loaded.model);
    const { contextText } = this.chatWrapper.generateContextState({
      chatHistory: [...toHistory(context), { type: 'user', text: question }, { type: 'model', response: [] }],
    });
    return contextText.tokenize(this.loaded.model.tokenizer).length;
  }

  /** Name of the chat wrapper resolved from the model file (DeepSeek for R1 distills). */
  get llama() {
    return this.loaded.llama;
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    if (this.closed) throw new Error('InferenceEngine is closed');
    const t0 = performance.now();
    const slot = req.adapter ? this.adapters.get(req.adapter) : undefined;
    if (req.adapter && !slot && !this.unknownAdapters.has(req.adapter)) {
      this.unknownAdapters.add(req.adapter);
      this.log.warn({ adapter: req.adapter, configured: this.adapters.names }, 'a job names a LoRA adapter that is not loaded (LORA_ADAPTERS): answering with the base model');
    }
    const pool = slot?.pool ?? this.pool;
    // What does not fit the sequence with room for the answer would make node-llama-cpp shift the
    // context mid-answer (about 10x slower) or drop history on its own: the answer budget is capped
    // to what is left, and a prompt that leaves no room is refused (the pipeline trims history and
    // sources before this; other callers get the same guarantee here).
    // Output under a grammar (JSON) is never capped: cut short it cannot parse, so a context shift
    // (slower) is the better outcome there; only a prompt that leaves no room at all is refused.
    const promptTokens = this.countPromptTokens(req.context, req.question);
    const constrained = req.jsonSchema !== undefined || req.gbnf !== undefined;
    const budget = answerBudget(promptTokens, this.sequenceContextSize, req.maxTokens);
    const maxTokens = constrained ? req.maxTokens : budget;
    if (maxTokens < req.maxTokens) this.log.debug({ promptTokens, contextSize: this.sequenceContextSize, maxTokens: req.maxTokens, cappedTo: maxTokens }, 'answer budget capped to the room left in the context');
    const seq = await pool.acquire();
    const tAcquired = performance.now();
    let batchPeak = this.inFlight;
    let firstTokenAt: number | null = null;
    let completionTokens = 0;
    let reasoningTokens = 0;
    const inputBefore = seq.tokenMeter.usedInputTokens;
    const session = new LlamaChatSession({ contextSequence: seq, autoDisposeSequence: false });
    try {
      session.setChatHistory(toHistory(req.context));
      const grammar = req.jsonSchema ? await this.grammarFor(req.jsonSchema) : req.gbnf ? await this.gbnfGrammar(req.gbnf) : undefined;
      const res = await session.promptWithMeta(req.question, {
        maxTokens,
        temperature: req.temperature,
        signal: req.signal,
        stopOnAbortSignal: true,
        grammar,
        budgets: req.thoughtBudget !== undefined ? { thoughtTokens: req.thoughtBudget } : undefined,
        onToken: (tokens) => {
          completionTokens += tokens.length;
          firstTokenAt ??= performance.now();
          batchPeak = Math.max(batchPeak, this.inFlight);
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
        adapter: slot ? { name: slot.spec.name, sha256: slot.version.sha256 } : null,
        timings: {
          sequenceWaitMs: tAcquired - t0,
          firstTokenMs: firstTokenAt === null ? null : firstTokenAt - tAcquired,
          totalMs: tEnd - t0,
        },
      };
    } finally {
      session.dispose({ disposeSequence: false });
      await pool.release(seq);
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
      // A schema the grammar cannot express is the request's fault: refused, never retried. What the
      // converter would silently ignore is refused before it (the API refuses it at admission too);
      // what only llama.cpp's grammar parser finds (left-recursive `$ref`s) is refused when it fails.
      const problem = jsonSchemaGrammarProblem(schema);
      g = problem
        ? Promise.reject(new EngineRequestError('llama', 400, `${JSON_SCHEMA_REFUSED}: ${problem}`))
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GBNF JSON schema typing is stricter than plain JSON Schema objects
        : (Promise.resolve().then(() => this.loaded.llama.createGrammarForJsonSchema(toLlamaJsonSchema(schema as Record<string, unknown>) as any)) as Promise<LlamaGrammar>)
          .catch((e: Error) => Promise.reject(new EngineRequestError('llama', 400, `${JSON_SCHEMA_REFUSED}: ${e.message} (llama.cpp refuses e.g. \`$ref\`s that only lead to each other)`, { cause: e })));
      // Schemas come from API clients too: keep the most recent few, not every one ever seen.
      if (this.grammars.size >= MAX_CACHED_GRAMMARS) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(k, g);
    }
    return g;
  }

  /** Disposes context, model and llama.cpp. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.adapters.close();
      await this.context.dispose().catch(() => {});
      await this.loaded.model.dispose().catch(() => {});
      await this.loaded.llama.dispose().catch(() => {});
    })();
    return this.closing;
  }
}

/** Carries an adapter failure out of the context fallback loop unchanged. */
class AdapterStartError extends Error {
  constructor(override readonly cause: unknown) {
    super('adapter start failed');
  }
}
