export { createLivePublisher, followLive } from './live-stream.js';
export type { LiveEvent } from './live-stream.js';
export { requestCancel, CancelRegistry } from './cancel.js';
export { recordServiceTime, estimateWaitSeconds, queuedText, thinkingText } from './eta.js';
export { createThoughtBudget } from './reasoning-budget.js';
