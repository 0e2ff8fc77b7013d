export { InferenceEngine } from './inference-engine.js';
export { loadModel, resolveModelPath, assertModelReachable } from './load-model.js';
export { SequencePool } from './sequence-pool.js';
export { splitThought, stripThinkTags } from './split-thought.js';
export { fileSha256 } from './file-sha256.js';
export type { InferenceEngineOptions, GenerateRequest, GenerateResult, GenerationChunk, EffectiveEngineSettings } from './types.js';
export { fallbackPlan } from './fallback-plan.js';
export { LlamaEmbedder } from './llama-embedder.js';
export type { LlamaEmbedderOptions } from './llama-embedder.js';
