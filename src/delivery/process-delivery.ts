import { UnrecoverableError } from 'bullmq';
import { getDiagnosisByMessageId, STRUCTURED_DIAGNOSIS, toDiagnosisView } from '../diagnosis/index.js';
import { deliveryJobSchema } from '../jobs/index.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/index.js';
import { beginDelivery, getMessage, getMessageKnowledge, markDelivered, recordReplyProgress, type Db } from '../storage/index.js';
import { getDiagnosis } from '../diagnosis/index.js';
import type { OutgoingReply, ReplySink } from './reply-sink.js';
import { unstoredJobIdOf } from './unstored-reply.js';
import type { DeliveryJob } from '../jobs/index.js';
import { listImages } from '../images/image-store.js';
import { toImageReading } from '../images/image-text.js';
import { findDiagnoseOffers } from '../diagnosis/offers-from-text.js';
import { CONTEXT_LENGTH_EXCEEDED } from '../engine/context-budget.js';

export interface DeliveryDeps<S extends object = object> {
  db: Db;
  sink: ReplySink<S>;
  metrics: Metrics;
  log: Logger;
  /**
   * Live answers: waits for the job's relay to finish and returns what it posted (see
   * `settleLive`); throws while the relay still runs, so the delivery retries.
   */
  settleLive?: (inferenceJobId: string) => Promise<S | null>;
}

export type DeliveryOutcome = 'delivered' | 'already_delivered' | 'found_existing';

/** User-facing text when a job failed for good. */
export const FAILED_REPLY_TEXT = 'Sorry, I could not answer this one: generation failed. Please try again in a moment.';

/** User-facing text when the question alone leaves no room for an answer in the model's context (trying again cannot help). */
export const TOO_LONG_REPLY_TEXT = 'Sorry, this question is too long for the model to answer: shorten it (or split it into smaller questions) and ask again.';

/**
 * Posts the answer for one message, exactly once: the message log records the delivery, and an
 * attempt that follows a crashed one first asks the platform whether the reply is already there.
 */
export async function processDelivery<S extends object>(deps: DeliveryDeps<S>, data: unknown): Promise<DeliveryOutcome> {
  const parsed = deliveryJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid delivery job: ${parsed.error.issues[0]?.message}`);
  const job = parsed.data;
  const unstoredJobId = unstoredJobIdOf(job.messageId);
  if (unstoredJobId) return deliverUnstoredFailure(deps, job, unstoredJobId);
  const row = await getMessage(deps.db, job.messageId);
  if (!row) throw new UnrecoverableError(`delivery job for unknown message ${job.messageId}`);
  if (row.status === 'generating') throw new Error(`message ${row.id} is still generating`);
  // Before claiming: a relay still editing the live message must finish first (this throws to retry).
  const live = deps.settleLive ? await deps.settleLive(row.jobId) : null;
  const { delivered, previousAttempts } = await beginDelivery(deps.db, row.id);
  if (delivered) return 'already_delivered';
  const kn = await getMessageKnowledge(deps.db, row.id);
  const out: OutgoingReply<S> = {
    messageId: row.id,
    key: row.key,
    status: row.status === 'delivered' ? 'answered' : (row.status as OutgoingReply['status']),
    answer: row.answer ?? '',
    reasoning: row.reasoning ?? '',
    error: row.status === 'failed' ? (row.error?.includes(CONTEXT_LENGTH_EXCEEDED) ? TOO_LONG_REPLY_TEXT : FAILED_REPLY_TEXT) : undefined,
    // Knowledge: the numbered sources given to the model, or why there are none.
    ...(kn.knowledge === 'cited' ? { sources: kn.sources } : {}),
    ...(kn.knowledge === 'model_only' ? { modelOnly: true } : {}),
    ...(kn.knowledge === 'no_match' ? { noMatch: true } : {}),
    reply: job.reply,
    live,
    previousAttempts,
    progress: previousAttempts > 0 ? row.replyRef : null,
    recordProgress: (ref) => recordReplyProgress(deps.db, row.id, ref),
  };
  const images = (await listImages(deps.db, row.jobId)).map(toImageReading);
  if (images.length > 0) {
    out.images = images;
    const read = images.map((i) => i.text).filter(Boolean).join('\n');
    if (read && out.status !== 'failed') {
      const offers = await findDiagnoseOffers(deps.db, read);
      if (offers.length) out.diagnoseOffers = offers;
    }
  }
  if (row.kind === 'diagnose') {
    // The structured result (or, when generation failed, just the header): the adapter renders it.
    const d = await getDiagnosisByMessageId(deps.db, row.id);
    if (d) out.structured = { kind: STRUCTURED_DIAGNOSIS, data: toDiagnosisView(d) };
  }
  if (previousAttempts > 0 && deps.sink.findExisting) {
    const existing = await deps.sink.findExisting(out);
    if (existing) {
      await markDelivered(deps.db, row.id, existing);
      deps.metrics.deliveries.inc({ platform: deps.sink.platform, outcome: 'found_existing' });
      return 'found_existing';
    }
  }
  const ref = await deps.sink.deliver(out);
  await markDelivered(deps.db, row.id, ref);
  deps.metrics.deliveries.inc({ platform: deps.sink.platform, outcome: 'delivered' });
  deps.log.info({ messageId: row.id, platform: deps.sink.platform }, 'reply delivered');
  return 'delivered';
}

/**
 * The failure notice of a job whose message log row could not be written (see `unstoredMessageId`):
 * no row to record the delivery in, so every attempt looks for an earlier attempt's post first.
 */
async function deliverUnstoredFailure<S extends object>(deps: DeliveryDeps<S>, job: DeliveryJob, inferenceJobId: string): Promise<DeliveryOutcome> {
  const live = deps.settleLive ? await deps.settleLive(inferenceJobId) : null;
  const out: OutgoingReply<S> = {
    messageId: job.messageId, key: job.key, status: 'failed', answer: '', reasoning: '', error: FAILED_REPLY_TEXT, reply: job.reply, live, previousAttempts: 1,
  };
  if (deps.sink.findExisting && (await deps.sink.findExisting(out))) {
    deps.metrics.deliveries.inc({ platform: deps.sink.platform, outcome: 'found_existing' });
    return 'found_existing';
  }
  await deps.sink.deliver(out);
  deps.metrics.deliveries.inc({ platform: deps.sink.platform, outcome: 'delivered' });
  deps.log.warn({ messageId: job.messageId, platform: deps.sink.platform }, 'failure reply delivered for a job the message log could not record');
  return 'delivered';
}
