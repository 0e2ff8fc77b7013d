/**
 * The part of JSON Schema the local engine can enforce while decoding: node-llama-cpp's
 * JSON-schema grammar (3.21). This mirrors its converter,
 * `node_modules/node-llama-cpp/dist/utils/gbnfJson/utils/getGbnfJsonTerminalForGbnfJsonSchema.js`
 * (with `../types.js` for how a node's kind is told, `../terminals/GbnfRepetition.js` for counts):
 * it checks a node as `$ref` → `oneOf` → `const` → `enum` → `type` object / array / string → other
 * types, in that order, and silently ignores every key it does not read. Ignoring is what we
 * refuse: `allOf`, `pattern`, `minimum`, … would not constrain the answer, a node with no type
 * becomes `null`, an unknown `format` an empty string, and a `$ref` outside `#/$defs/` any JSON.
 * So a schema is taken only when every key is one the converter reads (or an annotation; and
 * `minimum`/`maximum` that bound nothing, as zod writes ±MAX_SAFE_INTEGER for every `z.int()`).
 *
 * The converter itself needs no model, but the grammar it writes is parsed by llama.cpp, which
 * refuses repetition counts from about 1,000 on (`{1000,}`: "exceeds sane defaults") and left
 * recursion (`$defs` that only refer to each other): counts are capped at GRAMMAR_MAX_COUNT here;
 * a left-recursive `$ref` cycle is still only found by llama.cpp (the engine refuses it as well,
 * see JSON_SCHEMA_REFUSED).
 */

/** An engine error whose message starts with this is the schema's fault, never the server's. */
export const JSON_SCHEMA_REFUSED = 'the JSON schema cannot be turned into a grammar';

/** Largest `minLength`/`maxLength`/`minItems`/`maxItems`/`min-`/`maxProperties` taken (llama.cpp refuses ~1,000 and up). */
export const GRAMMAR_MAX_COUNT = 500;
/** Deepest nesting taken (node-llama-cpp's own limit is 512 scopes). */
export const GRAMMAR_MAX_DEPTH = 64;

type Node = Record<string, unknown>;

/** Keys that only describe: the converter reads none of them, and none constrains the value. */
const ANNOTATIONS = ['description', 'title', '$schema', '$id', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$defs'];
const PRIMITIVE_TYPES = ['string', 'number', 'integer', 'boolean', 'null'];
const FORMATS = ['date', 'time', 'date-time'];

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLiteral = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

class Refused extends Error {}

/**
 * Why node-llama-cpp's grammar cannot enforce `schema`, or null when it can. The reason names the
 * place (`schema.properties.pump`) and the keyword.
 */
export function jsonSchemaGrammarProblem(schema: unknown): string | null {
  try {
    check(schema, 'schema', new Set(), 0);
    return null;
  } catch (e) {
    if (e instanceof Refused) return e.message;
    throw e;
  }
}

function check(node: unknown, at: string, defs: ReadonlySet<string>, depth: number): void {
  const refuse = (why: string): never => {
    throw new Refused(`${at}: ${why}`);
  };
  if (depth > GRAMMAR_MAX_DEPTH) refuse(`nested deeper than ${GRAMMAR_MAX_DEPTH} levels`);
  if (!isNode(node)) refuse('a schema must be a JSON object');
  const n = node as Node;

  // `$defs` join the names visible below (node-llama-cpp's joinDefs); each is checked where it is defined.
  let scope = defs;
  if (n.$defs !== undefined) {
    if (!isNode(n.$defs)) refuse('`$defs` must be an object of schemas');
    scope = new Set([...defs, ...Object.keys(n.$defs as Node)]);
    for (const [name, def] of Object.entries(n.$defs as Node)) check(def, `${at}.$defs.${name}`, scope, depth + 1);
  }
  const sub = (v: unknown, where: string) => check(v, `${at}.${where}`, scope, depth + 1);
  const count = (k: string) => {
    const v = n[k];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > GRAMMAR_MAX_COUNT) refuse(`\`${k}\` must be a whole number from 0 to ${GRAMMAR_MAX_COUNT}`);
    return v as number;
  };
  const range = (min: string, max: string) => {
    const lo = count(min);
    const hi = count(max);
    if (lo !== undefined && hi !== undefined && lo > hi) refuse(`\`${min}\` is greater than \`${max}\``);
  };

  let allowed: string[];
  if ('$ref' in n) {
    const ref = n.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) refuse('`$ref` must point into `$defs` (`#/$defs/<name>`)');
    if (!scope.has((ref as string).slice('#/$defs/'.length))) refuse(`\`$ref\` ${JSON.stringify(ref)} names no definition in \`$defs\``);
    allowed = ['$ref'];
  } else if ('oneOf' in n || 'anyOf' in n) {
    // The grammar lets any alternative through: `anyOf` is what it enforces (the engine passes it on as `oneOf`).
    if ('oneOf' in n && 'anyOf' in n) refuse('use either `oneOf` or `anyOf`, not both');
    const key = 'oneOf' in n ? 'oneOf' : 'anyOf';
    const alts = n[key];
    if (!Array.isArray(alts) || alts.length === 0) refuse(`\`${key}\` must be a non-empty array of schemas`);
    (alts as unknown[]).forEach((a, i) => sub(a, `${key}[${i}]`));
    allowed = [key];
  } else if ('const' in n) {
    if (!isLiteral(n.const)) refuse('`const` must be a string, number, boolean or null');
    allowed = ['const', 'type'];
  } else if ('enum' in n) {
    if (!Array.isArray(n.enum) || n.enum.length === 0 || !n.enum.every(isLiteral)) refuse('`enum` must be a non-empty array of strings, numbers, booleans or null');
    allowed = ['enum', 'type'];
  } else if (n.type === 'object') {
    if (n.properties !== undefined) {
      if (!isNode(n.properties)) refuse('`properties` must be an object of schemas');
      for (const [k, v] of Object.entries(n.properties as Node)) sub(v, `properties.${k}`);
    }
    // Absent = false here (every answer then has exactly the listed properties, which the schema allows).
    if (n.additionalProperties !== undefined && typeof n.additionalProperties !== 'boolean') sub(n.additionalProperties, 'additionalProperties');
    // Every listed property is always generated, so any `required` list is met.
    if (n.required !== undefined && (!Array.isArray(n.required) || !n.required.every((r) => typeof r === 'string'))) refuse('`required` must be an array of property names');
    range('minProperties', 'maxProperties');
    allowed = ['type', 'properties', 'additionalProperties', 'required', 'minProperties', 'maxProperties'];
  } else if (n.type === 'array') {
    if (n.items !== undefined) {
      if (Array.isArray(n.items)) refuse('`items` must be one schema (for a tuple, use `prefixItems`)');
      sub(n.items, 'items');
    }
    if (n.prefixItems !== undefined) {
      if (!Array.isArray(n.prefixItems)) refuse('`prefixItems` must be an array of schemas');
      (n.prefixItems as unknown[]).forEach((p, i) => sub(p, `prefixItems[${i}]`));
    }
    range('minItems', 'maxItems');
    allowed = ['type', 'items', 'prefixItems', 'minItems', 'maxItems'];
  } else if (n.type === 'string') {
    if (n.format !== undefined) {
      if (!FORMATS.includes(n.format as string)) refuse(`\`format\` ${JSON.stringify(n.format)} is not supported (only ${FORMATS.join(', ')})`);
      // A formatted string has its own fixed shape: the converter reads no lengths then.
      allowed = ['type', 'format'];
    } else {
      range('minLength', 'maxLength');
      allowed = ['type', 'minLength', 'maxLength'];
    }
  } else if ('type' in n) {
    const types = Array.isArray(n.type) ? n.type : [n.type];
    if (types.length === 0 || !types.every((t) => PRIMITIVE_TYPES.includes(t as string))) {
      refuse(`\`type\` must be object, array, ${PRIMITIVE_TYPES.join(', ')}, or an array of ${PRIMITIVE_TYPES.join('/')} (not ${JSON.stringify(n.type)})`);
    }
    allowed = ['type'];
    // Bounds that bound nothing (zod writes ±MAX_SAFE_INTEGER for every `z.int()`) are taken; others are not enforced.
    const vacuous = (k: string, ok: (v: number) => boolean) => typeof n[k] === 'number' && ok(n[k] as number);
    if (vacuous('minimum', (v) => v <= Number.MIN_SAFE_INTEGER)) allowed.push('minimum');
    if (vacuous('maximum', (v) => v >= Number.MAX_SAFE_INTEGER)) allowed.push('maximum');
  } else {
    refuse('needs `type`, `enum`, `const`, `oneOf`/`anyOf` or `$ref` (without one the grammar would only allow null)');
  }
  for (const k of Object.keys(n)) {
    if (!allowed!.includes(k) && !ANNOTATIONS.includes(k)) refuse(`\`${k}\` is not supported here (the grammar could not enforce it); supported: ${allowed!.join(', ')}`);
  }
}

/**
 * `schema` as node-llama-cpp's converter takes it: `anyOf` spelled `oneOf` (it reads only the
 * latter; both mean "one of these" in a grammar). Call after `jsonSchemaGrammarProblem` found none.
 */
export function toLlamaJsonSchema(schema: Node): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'anyOf' || k === 'oneOf' || k === 'prefixItems') out[k === 'anyOf' ? 'oneOf' : k] = (v as Node[]).map(toLlamaJsonSchema);
    else if (k === 'properties' || k === '$defs') out[k] = Object.fromEntries(Object.entries(v as Record<string, Node>).map(([p, s]) => [p, toLlamaJsonSchema(s)]));
    else if ((k === 'items' || k === 'additionalProperties') && isNode(v)) out[k] = toLlamaJsonSchema(v);
    else out[k] = v;
  }
  return out;
}
