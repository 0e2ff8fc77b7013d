import type { Db } from '../storage/index.js';
import type { Severity, SeverityLevel } from './result-schema.js';

type Q = Pick<Db, 'query'>;

/** One machine in the registry. */
export interface Asset {
  id: string;
  name: string;
  model: string;
  location: string;
  /** Knowledge scope holding the asset's manuals (searched with the channel's scopes). */
  scope: string | null;
  /** On-call group mentioned on escalation. */
  oncall: string | null;
}

/** A catalogue entry: what a fault code means on one equipment model. */
export interface FaultCode {
  model: string;
  code: string;
  meaning: string;
  /** The catalogue's word as written (`High`, `alarm`, `2`…). */
  severity: Severity;
  /** Its normalised level, 1 (most severe) … 5: orders and colours results. */
  level: SeverityLevel;
}

type Raw = Record<string, unknown>;
const toAsset = (r: Raw): Asset => ({
  id: String(r.id), name: String(r.name), model: String(r.model), location: String(r.location ?? ''),
  scope: (r.scope as string | null) ?? null, oncall: (r.oncall as string | null) ?? null,
});
const toFault = (r: Raw): FaultCode => ({ model: String(r.model), code: String(r.code), meaning: String(r.meaning), severity: String(r.severity), level: Number(r.severity_level) as SeverityLevel });

/** The asset with this id, any letter case. Param: the id as typed. */
export async function findAsset(db: Q, ref: string): Promise<Asset | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM assets WHERE upper(id) = upper($1)', [ref]);
  return rows[0] ? toAsset(rows[0]) : null;
}

/** Every asset id (for "did you mean" suggestions). */
export async function listAssetIds(db: Q): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM assets ORDER BY id');
  return rows.map((r) => r.id);
}

export async function listAssets(db: Q): Promise<Asset[]> {
  const { rows } = await db.query<Raw>('SELECT * FROM assets ORDER BY id');
  return rows.map(toAsset);
}

/** The catalogue entry for a code on a model, any letter case. Params: model, code. */
export async function findFaultCode(db: Q, model: string, code: string): Promise<FaultCode | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM fault_codes WHERE upper(model) = upper($1) AND upper(code) = upper($2)', [model, code]);
  return rows[0] ? toFault(rows[0]) : null;
}

/** The codes catalogued for a model. */
export async function listFaultCodes(db: Q, model: string): Promise<string[]> {
  const { rows } = await db.query<{ code: string }>('SELECT code FROM fault_codes WHERE upper(model) = upper($1) ORDER BY code', [model]);
  return rows.map((r) => r.code);
}

export type UpsertOutcome = 'inserted' | 'updated';

/** Inserts an asset or updates the one with the same id (any letter case) in place. */
export async function upsertAsset(db: Q, a: Asset): Promise<UpsertOutcome> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO assets (id, name, model, location, scope, oncall) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT ((upper(id))) DO UPDATE SET id = EXCLUDED.id, name = EXCLUDED.name, model = EXCLUDED.model,
       location = EXCLUDED.location, scope = EXCLUDED.scope, oncall = EXCLUDED.oncall, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [a.id, a.name, a.model, a.location, a.scope, a.oncall],
  );
  return rows[0]!.inserted ? 'inserted' : 'updated';
}

/** Inserts a catalogue entry or updates the one for the same model + code in place. */
export async function upsertFaultCode(db: Q, f: FaultCode): Promise<UpsertOutcome> {
  const { rows } = await db.query<{ inserted: boolean }>(
    `INSERT INTO fault_codes (model, code, meaning, severity, severity_level) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ((upper(model)), (upper(code))) DO UPDATE SET model = EXCLUDED.model, code = EXCLUDED.code,
       meaning = EXCLUDED.meaning, severity = EXCLUDED.severity, severity_level = EXCLUDED.severity_level, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [f.model, f.code, f.meaning, f.severity, f.level],
  );
  return rows[0]!.inserted ? 'inserted' : 'updated';
}
