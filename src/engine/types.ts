import type { ChatTurn } from '../prompts/index.js';

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
}

export interface GenerateResult {
  answer: string;
  reasoning: string;
  stopped: boolean;
  promptTokens: number;
  completionTokens: number;
  /** Most sequences generating at once while this one ran (>1 means it was batched). */
  batchPeak: number;
  timings: {
    /** Waiting for a free sequence. */
    sequenceWaitMs: number;
    firstTokenMs: number | null;
    totalMs: number;
  };
}
