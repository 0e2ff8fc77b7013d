export { createMetrics } from './registry.js';
export type { Metrics } from './registry.js';
