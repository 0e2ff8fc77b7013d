export { createRuntime } from './create-runtime.js';
export type { Runtime, CreateRuntimeOptions } from './create-runtime.js';
