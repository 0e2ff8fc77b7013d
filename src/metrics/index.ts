export { createMetrics, adapterLabel } from './registry.js';
export type { Metrics } from './registry.js';
export { collectQueueDepth, collectVram, collectGpuUtilization, collectMemoryFragmentation } from './collectors.js';
