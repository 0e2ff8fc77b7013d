import type { ChatTurn } from '../prompts/index.js';
import type { GenerateRequest, GenerateResult } from './types.js';

/** Which implementation of {@link Engine} runs the model (`ENGINE`). */
export type EngineKind = 'llama' | 'openai';

/**
 * What the answer was generated with, recorded in the message log next to every answer.
 * The local engine names the GGUF file and its sha256; a remote engine the `/v1/models` id.
 */
export interface ModelIdentity {
  engine: EngineKind;
  /** GGUF file name (`llama`) or the model id the server lists at `/v1/models` (`openai`). */
  id: string;
  /** sha256 of the GGUF file (`llama`); null for a remote engine, whose weights we cannot hash. */
  sha256: string | null;
}

/** Whether a remote engine can be used now (its circuit breaker). */
export type EngineState = 'up' | 'down' | 'probing';

/**
 * Availability of an engine that can go away (a remote server). The worker stops taking jobs while
 * `state` is not `up` (they wait in the queue) and `/readyz` names the outage.
 */
export interface EngineHealth {
  readonly state: EngineState;
  /** Why it is down (the last error), when it is. */
  readonly reason: string | undefined;
  /** Calls `fn` on every state change; returns the unsubscribe function. */
  onChange(fn: (state: EngineState) => void): () => void;
}

/**
 * The engine contract: what the pipeline (chat answers, `/diagnose`, live answers) needs from
 * whatever runs the model. `InferenceEngine` (node-llama-cpp, in process) and `OpenAiEngine`
 * (an OpenAI-compatible server: vLLM, SGLang, TensorRT-LLM, llama-server) implement it.
 *
 * `generate` streams thought and answer chunks through `onChunk`, honours `signal` (the partial
 * answer comes back with `stopped: true`), applies `thoughtBudget`, constrains output to
 * `jsonSchema` when given, and reports token counts and timings.
 */
export interface Engine {
  readonly kind: EngineKind;
  /** Generations that may run at once: the inference worker's BullMQ concurrency. */
  readonly concurrency: number;
  /** Generations running now (for the batch metric). */
  readonly inFlight: number;
  /** Time it took to become usable (model load), in ms; 0 for a remote engine. */
  readonly loadMs: number;
  /** The model's identity; resolves once known (the sha256 is computed in the background). */
  readonly modelIdentity: Promise<ModelIdentity>;
  /** Present for engines that can be down while this process runs (remote servers). */
  readonly health?: EngineHealth;
  generate(req: GenerateRequest): Promise<GenerateResult>;
  /**
   * Engines that know their model's context (the local one): tokens one sequence holds, and the
   * tokens a prompt takes as `generate` would send it. The pipeline fits history and sources to
   * them; a remote engine has neither (its server applies its own limit).
   */
  readonly sequenceContextSize?: number;
  countPromptTokens?(context: ChatTurn[], question: string): number;
  readonly closed: boolean;
  /** Releases the model or the HTTP agent; safe to call twice. */
  close(): Promise<void>;
}
