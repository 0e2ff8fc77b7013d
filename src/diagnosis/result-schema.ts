import { z } from 'zod';

/**
 * The structured diagnosis: ONE zod definition. The part the model writes
 * ({@link diagnosisAnswerSchema}) becomes the JSON-schema grammar the engine generates under
 * (see `json-schema.ts`), the pipeline validates the model's output against it, and the Block Kit
 * and Adaptive Card renderers read the full {@link diagnosisResultSchema}.
 *
 * Every string and list is bounded: under the grammar the output can never be longer than the
 * bounds allow, so it always completes within DIAGNOSIS_MAX_TOKENS and always parses, even from
 * a tiny or confused model.
 */

export const LIKELIHOODS = ['high', 'medium', 'low'] as const;
export type Likelihood = (typeof LIKELIHOODS)[number];
export { SEVERITIES, SEVERITY_LEVELS } from './severity.js';
export type { SeverityLevel } from './severity.js';
/** A catalogue's severity word as written (`High`, `alarm`, `2`…); see `severity.ts` for the accepted ones. */
export type Severity = string;
export const OUTCOMES = ['resolved', 'escalated'] as const;
export type DiagnosisOutcome = (typeof OUTCOMES)[number];
export const FEEDBACK_VALUES = ['up', 'down'] as const;
export type DiagnosisFeedback = (typeof FEEDBACK_VALUES)[number];

/** Upper bounds of the model-written part (items per list, characters per line). */
export const DIAGNOSIS_LIMITS = {
  safety: 3, causes: 3, checks: 4, parts: 4, evidence: 3,
  safetyChars: 140, causeChars: 100, stepChars: 120, expectChars: 120, partChars: 60, reasonChars: 120,
} as const;
const L = DIAGNOSIS_LIMITS;

const line = (max: number) => z.string().min(1).max(max);

export const diagnosisCauseSchema = z.object({
  cause: line(L.causeChars),
  likelihood: z.enum(LIKELIHOODS),
  /** Numbers of the manual sections (`[n]` ↔ `sources[n-1]`) that support this cause. */
  evidence: z.array(z.number().int().min(1)).max(L.evidence),
});

export const diagnosisCheckSchema = z.object({
  /** What to do. */
  step: line(L.stepChars),
  /** What the technician should observe if this check passes / confirms the cause. */
  expect: line(L.expectChars),
});

export const sourceRefSchema = z.object({
  n: z.number().int().min(1),
  title: z.string(),
  source: z.string(),
  section: z.string(),
  web: z.boolean().optional(),
});

export const diagnosisAssetSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  model: z.string(),
  location: z.string(),
  oncall: z.string().nullable(),
});

export const diagnosisFaultSchema = z.object({
  code: z.string().min(1),
  /** The catalogue meaning; null when the asset's model has no catalogue entries at all. */
  meaning: z.string().nullable(),
  /** The catalogue's own word, shown as written. */
  severity: z.string().nullable(),
  /** Its normalised level (1 most severe … 5), which orders and colours results; absent on results stored before levels existed. */
  level: z.number().int().min(1).max(5).nullish(),
});

export const diagnosisResultSchema = z.object({
  v: z.literal(1),
  asset: diagnosisAssetSchema,
  fault: diagnosisFaultSchema.nullable(),
  /** The symptom as the technician described it (may be empty when only a code was given). */
  symptom: z.string(),
  /** Lock-out/tag-out, pressure, voltage… always shown first. Field order here is generation order too. */
  safety: z.array(line(L.safetyChars)).max(L.safety),
  /** Most likely first. */
  causes: z.array(diagnosisCauseSchema).min(1).max(L.causes),
  /** In the order to perform them. */
  checks: z.array(diagnosisCheckSchema).min(1).max(L.checks),
  parts: z.array(line(L.partChars)).max(L.parts),
  escalate: z.object({ needed: z.boolean(), reason: z.string().max(L.reasonChars) }),
  /** The manual sections given to the model, numbered as cited in `causes[].evidence`. */
  sources: z.array(sourceRefSchema),
});
export type DiagnosisResult = z.infer<typeof diagnosisResultSchema>;
export type DiagnosisCause = z.infer<typeof diagnosisCauseSchema>;
export type DiagnosisCheck = z.infer<typeof diagnosisCheckSchema>;
export type DiagnosisAsset = z.infer<typeof diagnosisAssetSchema>;
export type DiagnosisFault = z.infer<typeof diagnosisFaultSchema>;

/** The part of the result the model writes, in generation order (safety first). */
export const diagnosisAnswerSchema = diagnosisResultSchema.pick({ safety: true, causes: true, checks: true, parts: true, escalate: true });
export type DiagnosisAnswer = z.infer<typeof diagnosisAnswerSchema>;

/**
 * What an adapter receives in `OutgoingReply.structured` (`kind: 'diagnosis'`): the result plus
 * what the buttons and the thread header need.
 */
export const diagnosisViewSchema = z.object({
  diagnosisId: z.string().min(1),
  /** `🔧 Diagnosis for P-101 (Feed pump, Hall 2): E-214 — High vibration`: opens the thread. */
  title: z.string().min(1),
  assetId: z.string().min(1),
  /** Platform user id of who asked. */
  requestedBy: z.string(),
  /** The request as typed after the asset id. */
  request: z.string(),
  /** Null when generation failed for good (the reply then carries the error text). */
  result: diagnosisResultSchema.nullable(),
  /** The last outcome recorded with the buttons, if any. */
  outcome: z.object({ value: z.enum(OUTCOMES), by: z.string() }).nullable().default(null),
});
export type DiagnosisView = z.infer<typeof diagnosisViewSchema>;
export type DiagnosisViewInput = z.input<typeof diagnosisViewSchema>;

/** The `structured.kind` of a diagnosis reply. */
export const STRUCTURED_DIAGNOSIS = 'diagnosis';
