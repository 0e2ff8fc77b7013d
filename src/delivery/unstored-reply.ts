/**
 * A failed job whose message log row could not be written (the database refused or was down) still
 * gets its failure reply: the failure handler enqueues a delivery for this pseudo message id, and
 * the delivery posts the failure notice without reading the log. The id stays unique per job, so
 * the platform's look-up-before-post (message metadata) still finds an earlier attempt's post.
 */
const PREFIX = 'unstored-';

/** The pseudo message id for an inference job whose row could not be stored (no ':' — BullMQ ids). */
export const unstoredMessageId = (inferenceJobId: string): string => `${PREFIX}${inferenceJobId}`;

/** The inference job id behind a pseudo message id, or null for a real message log id. */
export const unstoredJobIdOf = (messageId: string): string | null => (messageId.startsWith(PREFIX) ? messageId.slice(PREFIX.length) : null);
