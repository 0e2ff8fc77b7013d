import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisJsonSchema } from '../../src/diagnosis/index.js';
import { REWRITE_SCHEMA } from '../../src/rag/query-rewrite.js';
import { GRAMMAR_MAX_COUNT, jsonSchemaGrammarProblem, toLlamaJsonSchema } from '../../src/engine/json-schema-grammar.js';

const N = GRAMMAR_MAX_COUNT;

/** Schemas node-llama-cpp's grammar enforces in full: taken. */
const SUPPORTED: Array<[string, Record<string, unknown>]> = [
  ['an object with required and additionalProperties', { type: 'object', properties: { pump: { type: 'string', maxLength: 24 }, restart: { type: 'boolean' } }, required: ['pump', 'restart'], additionalProperties: false }],
  ['zod\'s JSON Schema ($schema, ±MAX_SAFE_INTEGER on z.int(), anyOf for nullable, enum with type)', z.toJSONSchema(z.object({ n: z.int(), name: z.string().max(20).nullable(), tags: z.array(z.enum(['a', 'b'])).max(3) })) as Record<string, unknown>],
  ['a recursive $ref through an array', { $defs: { node: { type: 'array', items: { $ref: '#/$defs/node' } } }, $ref: '#/$defs/node' }],
  ['a tuple, consts and types lists', { type: 'array', prefixItems: [{ const: 'id' }, { type: ['integer', 'null'] }], items: { enum: [1, 'x', null, true] }, minItems: 2, maxItems: 4 }],
  ['formats and a map', { type: 'object', properties: { at: { type: 'string', format: 'date-time', description: 'when' } }, additionalProperties: { type: 'number' }, maxProperties: 3 }],
  ['counts at the cap', { type: 'array', minItems: N, maxItems: N, items: { type: 'object', additionalProperties: { type: 'string', minLength: N, maxLength: N }, minProperties: N } }],
  ['the /diagnose schema without sources', diagnosisJsonSchema(0)],
  ['the /diagnose schema with sources', diagnosisJsonSchema(3)],
  ['the query rewriter\'s schema', REWRITE_SCHEMA],
];

/** Schemas it would ignore in part or cannot build: refused, naming the place. */
const UNSUPPORTED: Array<[Record<string, unknown>, RegExp]> = [
  [{ type: 'object', properties: { a: { type: 'string', pattern: '^x' } } }, /schema\.properties\.a: `pattern` is not supported/],
  [{ type: 'object', patternProperties: { '^a': { type: 'string' } } }, /schema: `patternProperties` is not supported/],
  [{ allOf: [{ type: 'string' }] }, /schema: needs `type`/],
  [{ type: 'object', properties: { a: {} } }, /schema\.properties\.a: needs `type`/],
  [{ type: 'integer', minimum: 1 }, /`minimum` is not supported/],
  [{ type: 'string', format: 'email' }, /`format` "email" is not supported/],
  [{ $ref: '#/definitions/a', definitions: { a: { type: 'string' } } }, /must point into `\$defs`/],
  [{ $ref: '#/$defs/missing' }, /names no definition/],
  [{ type: ['object', 'null'] }, /`type` must be/],
  [{ type: 'array', items: [{ type: 'string' }] }, /use `prefixItems`/],
  [{ type: 'string', maxLength: N + 1 }, /`maxLength` must be a whole number from 0 to 500/],
  [{ type: 'array', minItems: 3, maxItems: 2 }, /`minItems` is greater than `maxItems`/],
  [{ enum: [{ a: 1 }] }, /`enum` must be/],
  [{ oneOf: [] }, /`oneOf` must be a non-empty array/],
  [{ type: 'object', properties: { a: null } }, /schema\.properties\.a: a schema must be a JSON object/],
  [{ type: 'object', properties: { a: true } }, /a schema must be a JSON object/],
];

describe('jsonSchemaGrammarProblem (node-llama-cpp\'s JSON-schema subset)', () => {
  it.each(SUPPORTED)('takes %s', (_, schema) => {
    expect(jsonSchemaGrammarProblem(schema)).toBeNull();
  });

  it.each(UNSUPPORTED)('refuses %j', (schema, why) => {
    expect(jsonSchemaGrammarProblem(schema)).toMatch(why);
  });

  it('refuses what is not a schema object, and nesting past the limit', () => {
    for (const s of [null, 'x', [1], 3]) expect(jsonSchemaGrammarProblem(s)).toBe('schema: a schema must be a JSON object');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 70; i++) deep = { type: 'array', items: deep };
    expect(jsonSchemaGrammarProblem(deep)).toMatch(/nested deeper than 64 levels/);
  });

  it('toLlamaJsonSchema spells anyOf as oneOf at every depth, and leaves property names and values alone', () => {
    const s = { type: 'object', properties: { anyOf: { anyOf: [{ type: 'string' }, { type: 'array', items: { anyOf: [{ const: 'anyOf' }] } }] } } };
    expect(toLlamaJsonSchema(s)).toEqual({ type: 'object', properties: { anyOf: { oneOf: [{ type: 'string' }, { type: 'array', items: { oneOf: [{ const: 'anyOf' }] } }] } } });
  });
});

/** The subset checked against the real thing: llama.cpp parses the grammar of every schema taken. */
describe('taken schemas make grammars llama.cpp accepts', () => {
  let llama: Llama;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error });
  }, 60_000);
  afterAll(async () => {
    await llama?.dispose();
  });

  it('every supported schema', async () => {
    for (const [name, schema] of SUPPORTED) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GBNF JSON schema typing is stricter than plain JSON Schema objects
      await expect(llama.createGrammarForJsonSchema(toLlamaJsonSchema(schema) as any), name).resolves.toBeTruthy();
    }
  });

  it('the cap is below what llama.cpp refuses, and a left-recursive $ref is refused by llama.cpp only', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const grammar = (s: Record<string, unknown>) => llama.createGrammarForJsonSchema(s as any);
    await expect(grammar({ type: 'string', minLength: 1000 })).rejects.toThrow();
    const cycle = { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' };
    expect(jsonSchemaGrammarProblem(cycle)).toBeNull();
    await expect(grammar(cycle)).rejects.toThrow();
  });
});
