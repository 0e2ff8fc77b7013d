import { hashId } from '../conversation/index.js';
import type { Platform } from '../conversation/index.js';

/**
 * The inference job id for a platform event. The same event (a platform retry) always maps to
 * the same id, so BullMQ stores it once. BullMQ custom ids may not contain ':'.
 */
export function inferenceJobId(platform: Platform, tenant: string, eventId: string): string {
  return `${platform}-${hashId(`${tenant}\u0000${eventId}`)}`;
}

/** One delivery per message: the id is derived from the message id. */
export const deliveryJobId = (messageId: string) => `deliver-${messageId}`;
