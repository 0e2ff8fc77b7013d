import { z } from 'zod';
import { DIAGNOSIS_LIMITS, diagnosisAnswerSchema } from './result-schema.js';

/**
 * Keys node-llama-cpp's JSON-schema grammar understands (its `GbnfJsonSchema` typings, 3.21):
 * type, properties, items, prefixItems, min/maxItems, min/maxLength, enum, const, oneOf,
 * additionalProperties, description, $defs, $ref, format (date/time only). Everything else
 * (`$schema`, `required` — always all keys there —, `minimum`, `pattern`, …) is dropped; the zod
 * schema still checks it after generation.
 */
const KEEP = new Set(['type', 'properties', 'items', 'prefixItems', 'minItems', 'maxItems', 'minLength', 'maxLength', 'enum', 'const', 'oneOf', 'additionalProperties', 'description', '$defs', '$ref']);
const GBNF_FORMATS = new Set(['date-time', 'time', 'date']);

type Json = Record<string, unknown>;

/** Reduces a JSON Schema (as `z.toJSONSchema` writes it) to the subset the GBNF converter supports. */
export function toGbnfJsonSchema(schema: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'format' && typeof v === 'string' && GBNF_FORMATS.has(v)) out.format = v;
    else if (k === 'anyOf') out.oneOf = (v as Json[]).map(toGbnfJsonSchema);
    else if (!KEEP.has(k)) continue;
    else if (k === 'properties' || k === '$defs') out[k] = Object.fromEntries(Object.entries(v as Record<string, Json>).map(([p, s]) => [p, toGbnfJsonSchema(s)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = toGbnfJsonSchema(v as Json);
    else if (k === 'prefixItems' || k === 'oneOf') out[k] = (v as Json[]).map(toGbnfJsonSchema);
    else out[k] = v;
  }
  // An enum fixes the values; a `type` beside it only confuses the converter's schema detection.
  if ('enum' in out || 'const' in out) delete out.type;
  return out;
}

const base = toGbnfJsonSchema(z.toJSONSchema(diagnosisAnswerSchema) as Json);

/**
 * The grammar schema for one diagnosis: the model may cite only the `sourceCount` sections it was
 * given (`evidence` items are the numbers 1…n; no sources → always empty), so a citation can never
 * point at a section that does not exist.
 */
export function diagnosisJsonSchema(sourceCount: number): Json {
  const n = Math.max(0, Math.floor(sourceCount));
  const schema = structuredClone(base);
  const cause = ((schema.properties as Json).causes as Json).items as Json;
  (cause.properties as Json).evidence = n === 0
    ? { type: 'array', items: { type: 'integer' }, maxItems: 0 }
    : { type: 'array', items: { enum: Array.from({ length: n }, (_, i) => i + 1) }, maxItems: Math.min(DIAGNOSIS_LIMITS.evidence, n) };
  return schema;
}
