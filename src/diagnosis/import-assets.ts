import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Db } from '../storage/index.js';
import { upsertAsset, upsertFaultCode } from './asset-store.js';

const assetRow = z.object({
  id: z.string().trim().min(1, 'id is empty').transform((s) => s.toUpperCase()),
  name: z.string().trim().min(1, 'name is empty'),
  model: z.string().trim().min(1, 'model is empty'),
  location: z.string().trim().default(''),
  scope: z.string().trim().optional().transform((s) => s || null),
  oncall: z.string().trim().optional().transform((s) => s || null),
});
const faultRow = z.object({
  model: z.string().trim().min(1, 'model is empty'),
  code: z.string().trim().min(1, 'code is empty').transform((s) => s.toUpperCase()),
  meaning: z.string().trim().min(1, 'meaning is empty'),
  severity: z.string().trim().toLowerCase().pipe(z.enum(['low', 'medium', 'high', 'critical'])).default('medium'),
});

export interface ImportReport {
  kind: 'assets' | 'fault_codes';
  imported: number;
  /** `line N: problem`, one per rejected row. Nothing is written when any row is rejected. */
  errors: string[];
}

/**
 * Imports assets (`id,name,model,location,scope,oncall`) or fault codes (`model,code,meaning,severity`)
 * from CSV or YAML; the kind is detected from the columns. Re-importing updates rows in place.
 * All-or-nothing: any invalid row is reported with its line and nothing is written.
 */
export async function importAssetsFile(db: Db, file: string): Promise<ImportReport> {
  const text = await readFile(file, 'utf8');
  let rows: Array<{ line: number; data: Record<string, unknown> }>;
  if (/\.ya?ml$/i.test(file)) {
    const doc = parseYaml(text) as unknown;
    const list = Array.isArray(doc) ? doc : ((doc as Record<string, unknown>)?.assets ?? (doc as Record<string, unknown>)?.fault_codes ?? []) as unknown[];
    // YAML items have no line numbers once parsed: report the item's position (1-based).
    rows = (list as Record<string, unknown>[]).map((d, i) => ({ line: i + 1, data: Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, v == null ? undefined : String(v)])) }));
  } else {
    const recs = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
    rows = recs.map((r) => ({ line: r.info.lines, data: r.record }));
  }
  const cols = new Set(rows.flatMap((r) => Object.keys(r.data)));
  const kind: ImportReport['kind'] = cols.has('code') && cols.has('meaning') ? 'fault_codes' : 'assets';
  const schema = kind === 'assets' ? assetRow : faultRow;
  const errors: string[] = [];
  const valid: unknown[] = [];
  for (const r of rows) {
    const p = schema.safeParse(r.data);
    if (p.success) valid.push(p.data);
    else errors.push(`line ${r.line}: ${p.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ')}`);
  }
  if (errors.length) return { kind, imported: 0, errors };
  await db.transaction(async (tx) => {
    for (const v of valid) {
      if (kind === 'assets') await upsertAsset(tx, v as z.infer<typeof assetRow>);
      else await upsertFaultCode(tx, v as z.infer<typeof faultRow>);
    }
  });
  return { kind, imported: valid.length, errors };
}
