import type { Db } from '../storage/index.js';
import type { Asset, FaultCode } from './asset-store.js';

/** A `/diagnose` the reply offers as a button: the asset, and the fault code seen (if any). */
export interface DiagnoseOffer {
  assetId: string;
  assetName: string;
  faultCode: string | null;
  /** The `/diagnose` arguments the button starts: `P-101 E-214`. */
  args: string;
}

/** At most this many Diagnose buttons under one answer. */
export const MAX_DIAGNOSE_OFFERS = 3;

/**
 * Folds what OCR commonly varies: letter case, and the separator of ids and codes (`E-214`,
 * `E 214`, `E–214`, `E_214`, `E214` all become `E214`).
 */
const fold = (s: string) => s.toUpperCase().replace(/[\s\-‐‑‒–—_.]+/g, '');

/** Tokens of OCR text that may be an id or a code: letters then digits, with or without a separator. */
function candidates(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/[A-Za-z]{1,5}[\s\-‐‑‒–—_.]?\d{1,6}[A-Za-z]?/g)) out.add(fold(m[0]));
  return out;
}

/**
 * Which diagnoses to offer for text read from an image: every registered asset whose id appears
 * (with the first of its model's fault codes that appears too), else — for a fault code alone —
 * every asset whose model catalogues that code. Pure; the registry is passed in.
 */
export function offersFromText(text: string, assets: readonly Asset[], codes: readonly FaultCode[]): DiagnoseOffer[] {
  const seen = candidates(text);
  if (seen.size === 0) return [];
  const codesOf = (model: string) => codes.filter((c) => c.model.toUpperCase() === model.toUpperCase());
  const offer = (a: Asset, code: string | null): DiagnoseOffer => ({ assetId: a.id, assetName: a.name, faultCode: code, args: code ? `${a.id} ${code}` : `${a.id} ${'fault shown on the attached image'}` });
  const named = assets.filter((a) => seen.has(fold(a.id)));
  if (named.length > 0) {
    return named.slice(0, MAX_DIAGNOSE_OFFERS).map((a) => offer(a, codesOf(a.model).find((c) => seen.has(fold(c.code)))?.code ?? null));
  }
  const hits: DiagnoseOffer[] = [];
  for (const c of codes) {
    if (!seen.has(fold(c.code))) continue;
    for (const a of assets) if (a.model.toUpperCase() === c.model.toUpperCase()) hits.push(offer(a, c.code));
  }
  return hits.slice(0, MAX_DIAGNOSE_OFFERS);
}

const FOLD_SQL = (col: string) => `upper(regexp_replace(${col}, '[[:space:]_.‐‑‒–—-]+', '', 'g'))`;
type Raw = Record<string, unknown>;
const toAsset = (r: Raw): Asset => ({ id: String(r.id), name: String(r.name), model: String(r.model), location: String(r.location ?? ''), scope: (r.scope as string | null) ?? null, oncall: (r.oncall as string | null) ?? null });
const toCode = (r: Raw): FaultCode => ({ model: String(r.model), code: String(r.code), meaning: String(r.meaning), severity: String(r.severity), level: Number(r.severity_level) as FaultCode['level'] });

/**
 * {@link offersFromText} against the registry in the database: only the assets and codes the text
 * can match are read (ids and codes compared folded, as OCR varies them), then the assets of the
 * models whose codes appear. Params: the text read from the images.
 */
export async function findDiagnoseOffers(db: Pick<Db, 'query'>, text: string): Promise<DiagnoseOffer[]> {
  const seen = [...candidates(text)];
  if (seen.length === 0) return [];
  const [named, codes] = await Promise.all([
    db.query<Raw>(`SELECT * FROM assets WHERE ${FOLD_SQL('id')} = ANY($1::text[]) ORDER BY id`, [seen]),
    db.query<Raw>(`SELECT * FROM fault_codes WHERE ${FOLD_SQL('code')} = ANY($1::text[]) ORDER BY model, code`, [seen]),
  ]);
  const models = [...new Set(codes.rows.map((r) => String(r.model).toUpperCase()))];
  const byModel = named.rows.length === 0 && models.length > 0
    ? (await db.query<Raw>('SELECT * FROM assets WHERE upper(model) = ANY($1::text[]) ORDER BY id LIMIT 50', [models])).rows
    : [];
  // The named assets' own catalogues, to find their codes in the text.
  const namedModels = [...new Set(named.rows.map((r) => String(r.model).toUpperCase()))];
  const namedCodes = namedModels.length ? (await db.query<Raw>('SELECT * FROM fault_codes WHERE upper(model) = ANY($1::text[])', [namedModels])).rows : [];
  return offersFromText(text, [...named.rows, ...byModel].map(toAsset), [...codes.rows, ...namedCodes].map(toCode));
}
