export { processDelivery, FAILED_REPLY_TEXT } from './process-delivery.js';
export type { DeliveryDeps, DeliveryOutcome } from './process-delivery.js';
export type { ReplySink, OutgoingReply, ReplyRef } from './reply-sink.js';
export { unstoredMessageId, unstoredJobIdOf } from './unstored-reply.js';
