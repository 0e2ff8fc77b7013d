import { z } from 'zod';

/**
 * What the model writes under the JSON-schema grammar. Strings and lists are bounded so even a
 * tiny or confused model finishes, and the result always parses.
 */
export const modelDiagnosisSchema = z.object({
  summary: z.string().max(200),
  safety: z.array(z.string().max(120)).max(2),
  causes: z.array(z.object({
    cause: z.string().max(100),
    likelihood: z.enum(['high', 'medium', 'low']),
    evidence: z.string().max(140),
    sources: z.array(z.number().int()).max(3),
  })).min(1).max(3),
  checks: z.array(z.object({ step: z.string().max(100), expect: z.string().max(100) })).min(1).max(4),
  parts: z.array(z.string().max(60)).max(3),
  escalate: z.boolean(),
});
export type ModelDiagnosis = z.infer<typeof modelDiagnosisSchema>;

/** The stored, rendered diagnosis: the model's part plus registry facts and the cited sources. */
export const diagnosisResultSchema = modelDiagnosisSchema.extend({
  diagnosisId: z.string(),
  asset: z.object({ id: z.string(), name: z.string(), model: z.string(), location: z.string(), oncall: z.string().nullable() }),
  fault: z.object({ code: z.string(), meaning: z.string(), severity: z.string() }).nullable(),
  symptom: z.string(),
  sources: z.array(z.object({ n: z.number(), title: z.string(), source: z.string(), section: z.string(), web: z.boolean().optional() })),
});
export type DiagnosisResult = z.infer<typeof diagnosisResultSchema>;

/** JSON Schema for node-llama-cpp's grammar: the zod definition with keys GBNF does not use removed. */
export function grammarSchemaOf(schema: z.ZodType): object {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== '$schema' && k !== 'additionalProperties') out[k] = strip(x);
      return out;
    }
    return v;
  };
  return strip(z.toJSONSchema(schema)) as object;
}

export const DIAGNOSIS_GRAMMAR_SCHEMA = grammarSchemaOf(modelDiagnosisSchema);
