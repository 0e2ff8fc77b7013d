import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { SCOPE_NAME_RE } from '../rag/index.js';
import type { Db } from '../storage/index.js';
import { upsertAsset, upsertFaultCode, type Asset, type FaultCode } from './asset-store.js';
import { severityLevelOf, unknownSeverityMessage } from './severity.js';

/** CSV columns (and YAML keys) of the two registry files; the header tells them apart. */
export const ASSET_COLUMNS = ['id', 'name', 'model', 'location', 'scope', 'oncall'] as const;
export const FAULT_CODE_COLUMNS = ['model', 'code', 'meaning', 'severity'] as const;
const ASSET_REQUIRED = ['id', 'name', 'model'];

export type RegistryKind = 'assets' | 'fault_codes';

/** A problem with one row (or the header), by 1-based line number in the file. */
export interface RegistryIssue {
  line: number;
  message: string;
}

const empty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = (max: number) => z.preprocess(empty, z.string().trim().max(max).nullable().default(null));
const req = (max: number) => z.string({ error: 'is required' }).trim().min(1, 'is required').max(max);

const assetRowSchema = z.object({
  id: req(64).regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must be letters, digits and . _ / - (no spaces)'),
  name: req(200),
  model: req(100),
  location: z.preprocess(empty, z.string().trim().max(200).default('')),
  scope: z.preprocess(empty, z.string().trim().regex(SCOPE_NAME_RE, 'must be a knowledge scope name (lower-case letters, digits, . _ -)').nullable().default(null)),
  oncall: opt(100),
});

const faultRowSchema = z.object({
  model: req(100),
  code: req(32).regex(/^\S+$/, 'must not contain spaces'),
  meaning: req(300),
  severity: req(32),
}).transform((row, ctx) => {
  const level = severityLevelOf(row.severity);
  if (level === null) {
    ctx.addIssue({ code: 'custom', path: ['severity'], message: unknownSeverityMessage(row.severity) });
    return z.NEVER;
  }
  return { ...row, level };
});

interface RawRow {
  line: number;
  values: Record<string, unknown>;
}

export interface ParsedRegistry {
  kind: RegistryKind;
  /** Valid rows, each with its 1-based line in the file. */
  assets: Array<Asset & { line: number }>;
  faultCodes: Array<FaultCode & { line: number }>;
  issues: RegistryIssue[];
}

/** Which file this is, from its columns; null when the columns fit neither. */
export function registryKindOf(columns: readonly string[]): RegistryKind | null {
  const cols = new Set(columns);
  if (cols.has('code') && cols.has('meaning')) return 'fault_codes';
  if (cols.has('id') && cols.has('name')) return 'assets';
  return null;
}

function headerIssues(kind: RegistryKind, columns: string[], line: number): RegistryIssue[] {
  const allowed: readonly string[] = kind === 'assets' ? ASSET_COLUMNS : FAULT_CODE_COLUMNS;
  const required = kind === 'assets' ? ASSET_REQUIRED : FAULT_CODE_COLUMNS;
  const issues: RegistryIssue[] = [];
  const unknown = columns.filter((c) => !allowed.includes(c));
  const missing = required.filter((c) => !columns.includes(c));
  if (unknown.length) issues.push({ line, message: `unknown column(s) ${unknown.join(', ')}; ${kind === 'assets' ? 'asset' : 'fault code'} columns are ${allowed.join(',')}` });
  if (missing.length) issues.push({ line, message: `missing column(s) ${missing.join(', ')}` });
  return issues;
}

/** Validates rows: field errors and duplicate keys are reported by line; nothing is written here. */
export function validateRegistryRows(kind: RegistryKind, rows: RawRow[]): ParsedRegistry {
  const out: ParsedRegistry = { kind, assets: [], faultCodes: [], issues: [] };
  const seen = new Map<string, number>();
  for (const { line, values } of rows) {
    const res = kind === 'assets' ? assetRowSchema.safeParse(values) : faultRowSchema.safeParse(values);
    if (!res.success) {
      for (const i of res.error.issues) out.issues.push({ line, message: `${i.path.join('.') || 'row'} ${i.message}` });
      continue;
    }
    const key = kind === 'assets' ? (res.data as Asset).id.toUpperCase() : `${(res.data as FaultCode).model}\u0000${(res.data as FaultCode).code}`.toUpperCase();
    const first = seen.get(key);
    if (first !== undefined) {
      out.issues.push({ line, message: kind === 'assets' ? `duplicate asset id ${(res.data as Asset).id} (first on line ${first})` : `duplicate code ${(res.data as FaultCode).code} for model ${(res.data as FaultCode).model} (first on line ${first})` });
      continue;
    }
    seen.set(key, line);
    if (kind === 'assets') out.assets.push({ ...(res.data as Asset), line });
    else out.faultCodes.push({ ...(res.data as FaultCode), line });
  }
  return out;
}

/** Parses a CSV registry file: the header row decides assets vs fault codes. */
export function parseRegistryCsv(text: string): ParsedRegistry | { kind: null; issues: RegistryIssue[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, relax_column_count: true, bom: true }) as unknown as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number };
    return { kind: null, issues: [{ line: err.lines ?? 1, message: `not valid CSV: ${err.message}` }] };
  }
  if (records.length === 0) return { kind: null, issues: [{ line: 1, message: 'empty file' }] };
  const [head, ...body] = records;
  const columns = head!.record.map((c) => c.trim().toLowerCase());
  const kind = registryKindOf(columns);
  if (!kind) return { kind: null, issues: [{ line: head!.info.lines, message: `header must be ${ASSET_COLUMNS.join(',')} (assets) or ${FAULT_CODE_COLUMNS.join(',')} (fault codes); got ${columns.join(',')}` }] };
  const hi = headerIssues(kind, columns, head!.info.lines);
  if (hi.length) return { kind, assets: [], faultCodes: [], issues: hi };
  const rows: RawRow[] = [];
  const issues: RegistryIssue[] = [];
  for (const r of body) {
    if (r.record.length !== columns.length) {
      issues.push({ line: r.info.lines, message: `expected ${columns.length} fields, got ${r.record.length}` });
      continue;
    }
    rows.push({ line: r.info.lines, values: Object.fromEntries(columns.map((c, i) => [c, r.record[i]])) });
  }
  const parsed = validateRegistryRows(kind, rows);
  parsed.issues.unshift(...issues);
  parsed.issues.sort((a, b) => a.line - b.line);
  return parsed;
}

/**
 * Parses a YAML registry file: a list of assets or of fault codes (told apart by the first item's
 * keys), or a map with `assets:` and/or `fault_codes:` lists. Returns one result per list.
 */
export function parseRegistryYaml(text: string): Array<ParsedRegistry | { kind: null; issues: RegistryIssue[] }> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const lineOf = (n: YamlNode | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : 1);
  if (doc.errors.length) return [{ kind: null, issues: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, message: `not valid YAML: ${e.message.split('\n')[0]}` })) }];
  const lists: Array<{ kind: RegistryKind | null; seq: YamlNode; line: number }> = [];
  const root = doc.contents;
  if (isSeq(root)) lists.push({ kind: null, seq: root, line: lineOf(root) });
  else if (isMap(root)) {
    for (const pair of root.items) {
      const k = String((pair.key as { value?: unknown })?.value ?? pair.key);
      const kind: RegistryKind | null = k === 'assets' ? 'assets' : k === 'fault_codes' || k === 'faultCodes' ? 'fault_codes' : null;
      if (!kind) return [{ kind: null, issues: [{ line: lineOf(pair.key as YamlNode), message: `unknown key ${k}: use assets: and/or fault_codes:` }] }];
      if (!isSeq(pair.value)) return [{ kind: null, issues: [{ line: lineOf(pair.value as YamlNode), message: `${k} must be a list` }] }];
      lists.push({ kind, seq: pair.value, line: lineOf(pair.value) });
    }
  } else return [{ kind: null, issues: [{ line: 1, message: 'expected a list of assets or fault codes, or a map with assets: and fault_codes:' }] }];
  return lists.map(({ kind: declared, seq, line }) => {
    const items = isSeq(seq) ? seq.items : [];
    const rows: RawRow[] = [];
    const issues: RegistryIssue[] = [];
    for (const item of items) {
      const node = item as YamlNode;
      if (!isMap(node)) {
        issues.push({ line: lineOf(node), message: 'each entry must be a map of fields' });
        continue;
      }
      const values = Object.fromEntries(node.items.map((p) => [String((p.key as { value?: unknown })?.value ?? p.key).toLowerCase(), yamlScalar((p.value as { value?: unknown } | null)?.value)]));
      rows.push({ line: lineOf(node), values });
    }
    const kind = declared ?? (rows[0] ? registryKindOf(Object.keys(rows[0].values)) : null);
    if (!kind) return { kind: null, issues: issues.length ? issues : [{ line, message: 'cannot tell assets from fault codes: entries need id,name,… or model,code,meaning,severity' }] };
    const allowed: readonly string[] = kind === 'assets' ? ASSET_COLUMNS : FAULT_CODE_COLUMNS;
    for (const r of rows) {
      const unknown = Object.keys(r.values).filter((k) => !allowed.includes(k));
      if (unknown.length) issues.push({ line: r.line, message: `unknown field(s) ${unknown.join(', ')}; ${kind === 'assets' ? 'asset' : 'fault code'} fields are ${allowed.join(', ')}` });
    }
    const parsed = validateRegistryRows(kind, rows.filter((r) => !issues.some((i) => i.line === r.line)));
    parsed.issues.push(...issues);
    parsed.issues.sort((a, b) => a.line - b.line);
    return parsed;
  });
}

/** YAML scalars as the CSV path sees them: numbers and booleans as text (`code: 214`). */
const yamlScalar = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

export interface ImportSummary {
  file: string;
  kind: RegistryKind | null;
  inserted: number;
  updated: number;
  issues: RegistryIssue[];
}

/** Something imported that is allowed but probably a mistake (the rows are written). */
export interface ImportWarning {
  file: string;
  line: number;
  message: string;
}

export interface ImportResult {
  /** One per list in each file, in file order. */
  summaries: ImportSummary[];
  /** Unknown knowledge scopes, fault codes for models no asset has. Empty when nothing was written. */
  warnings: ImportWarning[];
  /** True when every file was valid and all of them were written in one transaction. */
  written: boolean;
}

type Parsed = ParsedRegistry | { kind: null; issues: RegistryIssue[] };

async function parseRegistryFile(file: string): Promise<Parsed[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.yaml' && ext !== '.yml') return [{ kind: null, issues: [{ line: 1, message: `unsupported file type ${ext || '(none)'}: use .csv, .yaml or .yml` }] }];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return [{ kind: null, issues: [{ line: 1, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }] }];
  }
  return ext === '.csv' ? [parseRegistryCsv(text)] : parseRegistryYaml(text);
}

/**
 * Imports registry files (`.csv`, `.yaml`, `.yml`) in one transaction. All or nothing: with any
 * validation issue in any file nothing is written. Re-importing updates existing rows in place
 * (assets by id, codes by model + code). After writing, warns about assets whose knowledge scope
 * does not exist and fault codes for a model no asset has (both allowed: the scope may be ingested
 * later, the asset imported later).
 */
export async function importRegistryFiles(db: Db, files: readonly string[]): Promise<ImportResult> {
  const parsed = await Promise.all(files.map(async (file) => ({ file, lists: await parseRegistryFile(file) })));
  const summaries = parsed.flatMap(({ file, lists }) => lists.map((p) => ({ file, kind: p.kind, inserted: 0, updated: 0, issues: p.issues })));
  if (summaries.some((s) => s.issues.length)) return { summaries, warnings: [], written: false };
  const warnings: ImportWarning[] = [];
  await db.transaction(async (tx) => {
    let i = 0;
    for (const { lists } of parsed) {
      for (const p of lists as ParsedRegistry[]) {
        const s = summaries[i++]!;
        for (const a of p.assets) s[await upsertAsset(tx, a)]++;
        for (const f of p.faultCodes) s[await upsertFaultCode(tx, f)]++;
      }
    }
    // Checked after writing, so an asset and its codes may come in the same command.
    const scopes = new Set((await tx.query<{ name: string }>('SELECT name FROM kb_scopes')).rows.map((r) => r.name));
    const models = new Set((await tx.query<{ m: string }>('SELECT DISTINCT upper(model) AS m FROM assets')).rows.map((r) => r.m));
    for (const { file, lists } of parsed) {
      for (const p of lists as ParsedRegistry[]) {
        for (const a of p.assets) {
          if (a.scope && !scopes.has(a.scope)) warnings.push({ file, line: a.line, message: `asset ${a.id}: knowledge scope ${a.scope} does not exist yet (create it with npm run ingest -- --scope ${a.scope} <folder>)` });
        }
        const warned = new Set<string>();
        for (const f of p.faultCodes) {
          const m = f.model.toUpperCase();
          if (models.has(m) || warned.has(m)) continue;
          warned.add(m);
          warnings.push({ file, line: f.line, message: `fault code ${f.code}: no asset has model ${f.model}` });
        }
      }
    }
  });
  return { summaries, warnings, written: true };
}

/** Imports one registry file; see {@link importRegistryFiles}. */
export async function importRegistryFile(db: Db, file: string): Promise<ImportSummary[]> {
  return (await importRegistryFiles(db, [file])).summaries;
}
