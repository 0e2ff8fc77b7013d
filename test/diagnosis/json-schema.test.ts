import { describe, expect, it } from 'vitest';
import { DIAGNOSIS_LIMITS, diagnosisAnswerSchema, diagnosisJsonSchema, toGbnfJsonSchema } from '../../src/index.js';

/** Keys node-llama-cpp 3.21's GbnfJsonSchema typings declare. */
const GBNF_KEYS = new Set(['type', 'properties', 'items', 'prefixItems', 'minItems', 'maxItems', 'minLength', 'maxLength', 'enum', 'const', 'oneOf', 'additionalProperties', 'description', '$defs', '$ref', 'format']);

function keysOf(s: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(s)) s.forEach((x) => keysOf(x, out));
  else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      out.add(k);
      if (k === 'properties' || k === '$defs') Object.values(v as object).forEach((x) => keysOf(x, out));
      else keysOf(v, out);
    }
  }
  return out;
}

describe('diagnosis JSON schema for the grammar', () => {
  it('keeps only what the GBNF converter supports, in generation order with safety first', () => {
    const s = diagnosisJsonSchema(3) as { properties: Record<string, unknown> };
    expect([...keysOf(s)].filter((k) => !GBNF_KEYS.has(k) && !['safety', 'causes', 'checks', 'parts', 'escalate', 'cause', 'likelihood', 'evidence', 'step', 'expect', 'needed', 'reason'].includes(k))).toEqual([]);
    expect(Object.keys(s.properties)).toEqual(['safety', 'causes', 'checks', 'parts', 'escalate']);
  });

  it('bounds every string and list (so the output always fits the token limit)', () => {
    const s = diagnosisJsonSchema(2) as any;
    const p = s.properties;
    expect(p.safety).toMatchObject({ maxItems: DIAGNOSIS_LIMITS.safety, items: { maxLength: DIAGNOSIS_LIMITS.safetyChars } });
    expect(p.causes).toMatchObject({ minItems: 1, maxItems: DIAGNOSIS_LIMITS.causes });
    expect(p.causes.items.properties.likelihood).toEqual({ enum: ['high', 'medium', 'low'] });
    expect(p.checks.items.properties.step.maxLength).toBe(DIAGNOSIS_LIMITS.stepChars);
    expect(p.escalate.properties.reason.maxLength).toBe(DIAGNOSIS_LIMITS.reasonChars);
  });

  it('lets the model cite only the sections it was given', () => {
    const ev = (n: number) => (diagnosisJsonSchema(n) as any).properties.causes.items.properties.evidence;
    expect(ev(0)).toEqual({ type: 'array', items: { type: 'integer' }, maxItems: 0 });
    expect(ev(2)).toEqual({ type: 'array', items: { enum: [1, 2] }, maxItems: 2 });
    expect(ev(7)).toEqual({ type: 'array', items: { enum: [1, 2, 3, 4, 5, 6, 7] }, maxItems: DIAGNOSIS_LIMITS.evidence });
    // A fresh copy each time: one call never changes another's schema.
    expect(ev(0).maxItems).toBe(0);
  });

  it('turns anyOf into oneOf and drops $schema, required and numeric bounds', () => {
    expect(toGbnfJsonSchema({ $schema: 'x', type: 'object', required: ['a'], properties: { a: { anyOf: [{ type: 'string' }, { type: 'null' }] }, n: { type: 'integer', minimum: 1 } } }))
      .toEqual({ type: 'object', properties: { a: { oneOf: [{ type: 'string' }, { type: 'null' }] }, n: { type: 'integer' } } });
  });

  it('the zod schema rejects what the grammar cannot produce (the same definition checks the output)', () => {
    const ok = { safety: [], causes: [{ cause: 'Coupling misaligned', likelihood: 'high', evidence: [1] }], checks: [{ step: 'Check alignment', expect: 'Under 0.05 mm' }], parts: [], escalate: { needed: false, reason: '' } };
    expect(diagnosisAnswerSchema.safeParse(ok).success).toBe(true);
    expect(diagnosisAnswerSchema.safeParse({ ...ok, causes: [] }).success).toBe(false);
    expect(diagnosisAnswerSchema.safeParse({ ...ok, causes: [{ ...ok.causes[0], likelihood: 'certain' }] }).success).toBe(false);
    expect(diagnosisAnswerSchema.safeParse({ ...ok, safety: ['x'.repeat(DIAGNOSIS_LIMITS.safetyChars + 1)] }).success).toBe(false);
  });
});
