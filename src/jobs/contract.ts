import { z } from 'zod';
import { conversationKeySchema } from '../conversation/index.js';

/** A message of thread history as the adapter saw it. `role` is from the bot's point of view. */
export const historyMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  user: z.string().optional(),
});
export type HistoryMessage = z.infer<typeof historyMessageSchema>;

/** A LoRA adapter's name, as LORA_ADAPTERS and the channel bindings spell it. */
export const adapterNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);

/** Longest JSON schema (serialized) a question may carry. */
export const MAX_JSON_SCHEMA_CHARS = 16_000;

/** Per-question generation choices; the server's settings stay the upper bounds. */
export const generationOptionsSchema = z.object({
  /** At most LLAMA_MAX_TOKENS (reasoning included). */
  maxTokens: z.number().int().positive().optional(),
  /** 0–2; unset = LLAMA_TEMPERATURE. */
  temperature: z.number().min(0).max(2).optional(),
  /** Replaces the system prompt (an API client's own `system` messages). */
  systemPrompt: z.string().max(20_000).optional(),
  /**
   * The answer must be JSON matching this JSON Schema (an API client's `response_format`
   * `json_schema`): the engine constrains decoding to it (node-llama-cpp grammar, or the remote
   * engine's guided decoding). Bounded, as it travels in the job.
   */
  jsonSchema: z.record(z.string(), z.unknown()).refine((s) => JSON.stringify(s).length <= MAX_JSON_SCHEMA_CHARS, `a JSON schema of at most ${MAX_JSON_SCHEMA_CHARS} characters`).optional(),
});
export type GenerationOptions = z.infer<typeof generationOptionsSchema>;

/**
 * The inference job, version 1. Adapters produce it, workers consume it. Bump `v` (and keep
 * parsing the old one) when a change is not backwards compatible.
 */
export const inferenceJobSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['chat']),
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
  /** What the asker chose for this answer (the HTTP API's request parameters); bounded by the server's settings. */
  options: generationOptionsSchema.optional(),
  /**
   * The LoRA adapter bound to the channel when the question was admitted (a LORA_ADAPTERS name);
   * unset = the base model. A worker without that adapter answers with the base model.
   */
  adapter: adapterNameSchema.optional(),
  /** The question came with images: what was read from them is in `question_images` under the job id. */
  images: z.boolean().optional(),
});
export type InferenceJob = z.infer<typeof inferenceJobSchema>;

/**
 * The OCR job, version 1: the images of one question (stored under its job id) are read, then
 * `inference` is enqueued. Same job id as the question.
 */
export const ocrJobSchema = z.object({
  v: z.literal(1),
  inference: inferenceJobSchema,
});
export type OcrJob = z.infer<typeof ocrJobSchema>;
export type OcrJobInput = z.input<typeof ocrJobSchema>;
export type InferenceJobInput = z.input<typeof inferenceJobSchema>;

/**
 * The diagnosis job (`/diagnose <asset> <fault code or symptom…>`), version 1. It runs on the
 * inference queue at a higher priority than chat, so a technician at a faulted machine goes first.
 * The asset and fault code were validated against the registry before it was enqueued.
 */
export const diagnosisJobSchema = z.object({
  v: z.literal(1),
  kind: z.literal('diagnose'),
  key: conversationKeySchema,
  user: z.object({ id: z.string().min(1), name: z.string().optional() }),
  /** The request as typed after the asset id (fault code and/or symptom). */
  text: z.string().min(1),
  diagnosis: z.object({
    assetId: z.string().min(1),
    /** Catalogue code (as catalogued), or a code the model has no catalogue for; null = symptom only. */
    faultCode: z.string().min(1).nullable(),
    symptom: z.string(),
  }),
  source: z.object({ eventId: z.string().min(1), receivedAt: z.number().int().nonnegative() }),
  reply: z.record(z.string(), z.unknown()).default({}),
  /** The channel's LoRA adapter, as for chat jobs. */
  adapter: adapterNameSchema.optional(),
});
export type DiagnosisJob = z.infer<typeof diagnosisJobSchema>;
export type DiagnosisJobInput = z.input<typeof diagnosisJobSchema>;

/** Anything on the inference queue, told apart by `kind`: chat answers (v1, unchanged) and diagnoses. */
export const anyInferenceJobSchema = z.discriminatedUnion('kind', [inferenceJobSchema, diagnosisJobSchema]);
export type AnyInferenceJob = z.infer<typeof anyInferenceJobSchema>;

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
