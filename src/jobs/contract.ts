import { z } from 'zod';
import { conversationKeySchema } from '../conversation/index.js';

/** A message of thread history as the adapter saw it. `role` is from the bot's point of view. */
export const historyMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  user: z.string().optional(),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

/**
 * The inference job, version 1. Adapters produce it, workers consume it. Bump `v` (and keep
 * parsing the old one) when a change is not backwards compatible.
 */
export const inferenceJobSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['chat', 'diagnose']),
  key: conversationKeySchema,
  user: z.object({ id: z.string().min(1), name: z.string().optional() }),
  /** The question with the bot mention stripped. */
  text: z.string().min(1),
  /** Bounded thread history, oldest first, the current message excluded. */
  history: z.array(historyMessageSchema).max(200).default([]),
  source: z.object({
    /** Platform event / activity id: the idempotency key. */
    eventId: z.string().min(1),
    /** When the adapter received it (ms since epoch), for queue-wait metrics. */
    receivedAt: z.number().int().nonnegative(),
  }),
  /** Platform-specific reply target (Slack: channel + thread_ts; Teams: conversation reference). Opaque to the core. */
  reply: z.record(z.string(), z.unknown()).default({}),
  /** For `kind: 'diagnose'`: the diagnosis row created when the request was validated. */
  diagnosis: z.object({ diagnosisId: z.string().min(1) }).optional(),
}).refine((j) => j.kind !== 'diagnose' || j.diagnosis !== undefined, { message: 'a diagnose job needs diagnosis.diagnosisId', path: ['diagnosis'] });
export type InferenceJob = z.infer<typeof inferenceJobSchema>;
export type InferenceJobInput = z.input<typeof inferenceJobSchema>;

/** The delivery job: the answer is in the message log; the job only points at it. */
export const deliveryJobSchema = z.object({
  v: z.literal(1),
  messageId: z.string().min(1),
  key: conversationKeySchema,
  reply: z.record(z.string(), z.unknown()).default({}),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/** What an inference job returns to BullMQ (small; the text lives in the message log). */
export interface InferenceJobResult {
  messageId: string;
  status: 'answered' | 'stopped' | 'duplicate';
  completionTokens: number;
}
