import type { ChatTurn } from '../prompts/index.js';
import type { LoraAdapterSpec } from './lora-file.js';

export interface InferenceEngineOptions {
  /** GGUF file; unset = download `modelUri` once into `downloadDir`. */
  modelPath?: string;
  modelUri: string;
  downloadDir: string;
  /** llama.cpp threads, set explicitly (the library default oversubscribes small machines). */
  threads: number;
  /** Sequences in the one context: how many jobs are batched together. */
  sequences: number;
  /** Context size in tokens. */
  contextSize: number;
  gpu: 'auto' | 'cuda' | 'vulkan' | 'metal' | 'false';
  /** Layers offloaded to the GPU. Defaults to 'auto' (as many as fit). */
  gpuLayers?: 'auto' | 'max' | number;
  /** VRAM (MiB) left free for other processes. Defaults to node-llama-cpp's own padding. */
  vramPaddingMb?: number;
  /** Smallest context the out-of-memory fallback may use. Defaults to 2048 (or `contextSize` if smaller). */
  minContextSize?: number;
  /** Give up loading after this long. Defaults to 600 000 ms. */
  loadTimeoutMs?: number;
  /** LoRA adapters (LORA_ADAPTERS), each in a context of its own on the shared model. Defaults to none. */
  adapters?: LoraAdapterSpec[];
  /** Sequences in each adapter's context (LORA_SEQUENCES). Defaults to 1. */
  adapterSequences?: number;
  /** Folder under which this process copies adapter files before loading them. Defaults to the OS temp folder. */
  adapterDir?: string;
  /** @internal Replaces context creation (fault-injection tests); receives the attempt's settings. */
  createContextHook?: (attempt: { sequences: number; contextSize: number }, create: () => Promise<unknown>) => Promise<unknown>;
}

/** What the engine actually runs with after any out-of-memory fallback. */
export interface EffectiveEngineSettings {
  sequences: number;
  contextSize: number;
  /** Attempts that failed before this one, with their error messages. */
  fallbacks: Array<{ sequences: number; contextSize: number; error: string }>;
}

/** A streamed piece of the response: reasoning (`thought`) or answer text. */
export interface GenerationChunk {
  kind: 'thought' | 'answer';
  text: string;
}

export interface GenerateRequest {
  /** System prompt and history, oldest first (from `buildPrompt`). */
  context: ChatTurn[];
  question: string;
  maxTokens: number;
  /** 0 = greedy (deterministic for a fixed thread count). */
  temperature: number;
  /** Aborts generation; the partial answer is returned with `stopped: true`. */
  signal?: AbortSignal;
  onChunk?: (chunk: GenerationChunk) => void;
  /** Constrains the output to JSON matching this schema (node-llama-cpp JSON-schema grammar). */
  jsonSchema?: object;
  /** Constrains the output with a GBNF grammar (llama.cpp grammar text). */
  gbnf?: string;
  /** Maximum reasoning tokens; past it the model is made to answer. */
  thoughtBudget?: number;
  /** LoRA adapter to answer with (a LORA_ADAPTERS name); unset or not loaded = the base model. */
  adapter?: string;
}

export interface GenerateResult {
  answer: string;
  reasoning: string;
  stopped: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Of `completionTokens`, those inside the thought segment (R1's reasoning, `<think>` tags included). */
  reasoningTokens: number;
  /** Most sequences generating at once while this one ran (>1 means it was batched). */
  batchPeak: number;
  /**
   * The LoRA adapter that generated the answer; null or absent = the base model. The local engine
   * gives its file's sha256; a remote engine (which we cannot hash) the model id it served it under.
   */
  adapter?: AdapterIdentity | null;
  timings: {
    /** Waiting for a free sequence. */
    sequenceWaitMs: number;
    firstTokenMs: number | null;
    totalMs: number;
  };
}

/** Which LoRA adapter answered: its name, and its file's sha256 (local) or the engine's model id for it (remote). */
export interface AdapterIdentity {
  name: string;
  sha256: string | null;
  /** ENGINE=openai: the model id the request named (vLLM serves each LoRA adapter as a model). */
  modelId?: string;
}
