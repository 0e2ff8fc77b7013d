import type { ConversationKey } from '../conversation/index.js';
import type { Db } from '../storage/index.js';
import type { DiagnosisResult } from './result-schema.js';

export interface Asset {
  id: string;
  name: string;
  model: string;
  location: string;
  scope: string | null;
  oncall: string | null;
}
export interface FaultCode {
  model: string;
  code: string;
  meaning: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
}
export interface DiagnosisRow {
  id: string;
  assetId: string;
  faultCode: string | null;
  symptom: string;
  status: 'queued' | 'done' | 'failed';
  result: DiagnosisResult | null;
  outcome: 'resolved' | 'escalated' | null;
  outcomeBy: string | null;
  feedback: 'up' | 'down' | null;
  labelledExample: boolean;
  createdAt: Date;
}

type Q = Pick<Db, 'query'>;
const toAsset = (r: Record<string, unknown>): Asset => ({ id: r.id as string, name: r.name as string, model: r.model as string, location: r.location as string, scope: (r.scope as string) ?? null, oncall: (r.oncall as string) ?? null });

/** Insert or update in place (re-imports). */
export async function upsertAsset(db: Q, a: Asset): Promise<void> {
  await db.query(
    `INSERT INTO assets (id, name, model, location, scope, oncall) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET name = $2, model = $3, location = $4, scope = $5, oncall = $6, updated_at = now()`,
    [a.id, a.name, a.model, a.location, a.scope, a.oncall],
  );
}

export async function upsertFaultCode(db: Q, f: FaultCode): Promise<void> {
  await db.query(
    `INSERT INTO fault_codes (model, code, meaning, severity) VALUES ($1, $2, $3, $4)
     ON CONFLICT (model, code) DO UPDATE SET meaning = $3, severity = $4, updated_at = now()`,
    [f.model, f.code, f.meaning, f.severity],
  );
}

export async function getAsset(db: Q, id: string): Promise<Asset | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM assets WHERE upper(id) = upper($1)', [id]);
  return rows[0] ? toAsset(rows[0]) : null;
}

export async function listAssetIds(db: Q): Promise<string[]> {
  return (await db.query<{ id: string }>('SELECT id FROM assets ORDER BY id')).rows.map((r) => r.id);
}

export async function getFaultCode(db: Q, model: string, code: string): Promise<FaultCode | null> {
  const { rows } = await db.query<FaultCode>('SELECT model, code, meaning, severity FROM fault_codes WHERE model = $1 AND upper(code) = upper($2)', [model, code]);
  return rows[0] ?? null;
}

export async function listFaultCodes(db: Q, model: string): Promise<string[]> {
  return (await db.query<{ code: string }>('SELECT code FROM fault_codes WHERE model = $1 ORDER BY code', [model])).rows.map((r) => r.code);
}

export async function createDiagnosis(db: Q, d: { assetId: string; faultCode: string | null; symptom: string; key: ConversationKey; requestedBy: string }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO diagnoses (asset_id, fault_code, symptom, platform, tenant, channel, requested_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [d.assetId, d.faultCode, d.symptom, d.key.platform, d.key.tenant, d.key.channel, d.requestedBy],
  );
  return String(rows[0]!.id);
}

export async function finishDiagnosis(db: Q, id: string, result: DiagnosisResult | null): Promise<void> {
  await db.query(`UPDATE diagnoses SET status = $2, result = $3 WHERE id = $1`, [id, result ? 'done' : 'failed', result ? JSON.stringify(result) : null]);
}

/** Records the technician's outcome; a resolved diagnosis becomes a labelled example for fine-tuning export. */
export async function setDiagnosisOutcome(db: Q, id: string, outcome: 'resolved' | 'escalated', by: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE diagnoses SET outcome = $2, outcome_by = $3, outcome_at = now(), labelled_example = ($2 = 'resolved') WHERE id = $1 RETURNING id`,
    [id, outcome, by],
  );
  return rows.length > 0;
}

export async function setDiagnosisFeedback(db: Q, id: string, value: 'up' | 'down'): Promise<boolean> {
  return (await db.query(`UPDATE diagnoses SET feedback = $2 WHERE id = $1 RETURNING id`, [id, value])).rows.length > 0;
}

const toDiag = (r: Record<string, unknown>): DiagnosisRow => ({
  id: String(r.id), assetId: r.asset_id as string, faultCode: (r.fault_code as string) ?? null, symptom: r.symptom as string,
  status: r.status as DiagnosisRow['status'], result: (r.result as DiagnosisResult) ?? null, outcome: (r.outcome as DiagnosisRow['outcome']) ?? null,
  outcomeBy: (r.outcome_by as string) ?? null, feedback: (r.feedback as DiagnosisRow['feedback']) ?? null, labelledExample: Boolean(r.labelled_example),
  createdAt: r.created_at as Date,
});

export async function getDiagnosis(db: Q, id: string): Promise<DiagnosisRow | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM diagnoses WHERE id = $1', [id]);
  return rows[0] ? toDiag(rows[0]) : null;
}

export async function diagnosisHistory(db: Q, assetId: string, limit = 10): Promise<DiagnosisRow[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM diagnoses WHERE upper(asset_id) = upper($1) ORDER BY created_at DESC, id DESC LIMIT $2', [assetId, limit]);
  return rows.map(toDiag);
}

/** Resolved diagnoses as labelled examples (request → result), for the fine-tuning export. */
export async function labelledExamples(db: Q): Promise<Array<{ assetId: string; faultCode: string | null; symptom: string; result: DiagnosisResult }>> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM diagnoses WHERE labelled_example AND result IS NOT NULL ORDER BY id`);
  return rows.map((r) => ({ assetId: r.asset_id as string, faultCode: (r.fault_code as string) ?? null, symptom: r.symptom as string, result: r.result as DiagnosisResult }));
}
