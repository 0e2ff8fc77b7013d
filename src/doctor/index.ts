export { runCheck, formatReport } from './check.js';
export type { CheckResult, Check } from './check.js';
export { checkRedis, checkDatabase, checkModel, checkGpu } from './core-checks.js';
export { checkEngine } from './check-engine.js';
export { checkLoraAdapters } from './check-lora-adapters.js';
