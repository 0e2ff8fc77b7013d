import type { Platform } from '../conversation/index.js';
import { safeJson, safeText, type Db } from '../storage/index.js';
import type { DiagnosisFeedback, DiagnosisOutcome, DiagnosisResult } from './result-schema.js';

type Q = Pick<Db, 'query'>;

export type DiagnosisStatus = 'generating' | 'answered' | 'failed';

export interface DiagnosisRow {
  id: string;
  jobId: string;
  messageId: string | null;
  platform: Platform;
  tenant: string;
  channel: string;
  assetId: string;
  faultCode: string | null;
  request: string;
  requestedBy: string;
  status: DiagnosisStatus;
  result: DiagnosisResult | null;
  outcome: DiagnosisOutcome | null;
  outcomeBy: string | null;
  outcomeAt: Date | null;
  feedback: DiagnosisFeedback | null;
  feedbackBy: string | null;
  labelled: boolean;
  prompt: StoredPrompt | null;
  createdAt: Date;
}

type Raw = Record<string, unknown>;
const toRow = (r: Raw): DiagnosisRow => ({
  id: String(r.id),
  jobId: String(r.job_id),
  messageId: r.message_id === null || r.message_id === undefined ? null : String(r.message_id),
  platform: r.platform as Platform,
  tenant: String(r.tenant),
  channel: String(r.channel),
  assetId: String(r.asset_id),
  faultCode: (r.fault_code as string | null) ?? null,
  // '' once retention or erasure removed it
  request: r.request == null ? '' : String(r.request),
  requestedBy: String(r.requested_by),
  status: r.status as DiagnosisStatus,
  result: (r.result as DiagnosisResult | null) ?? null,
  outcome: (r.outcome as DiagnosisOutcome | null) ?? null,
  outcomeBy: (r.outcome_by as string | null) ?? null,
  outcomeAt: (r.outcome_at as Date | null) ?? null,
  feedback: (r.feedback as DiagnosisFeedback | null) ?? null,
  feedbackBy: (r.feedback_by as string | null) ?? null,
  labelled: r.labelled === true,
  prompt: (r.prompt as StoredPrompt | null) ?? null,
  createdAt: r.created_at as Date,
});

export interface StartDiagnosisInput {
  jobId: string;
  messageId: string;
  platform: Platform;
  tenant: string;
  channel: string;
  assetId: string;
  faultCode: string | null;
  request: string;
  requestedBy: string;
}

/** Records a diagnosis being generated, or returns the existing row for a re-run job. */
export async function startDiagnosis(db: Q, d: StartDiagnosisInput): Promise<DiagnosisRow> {
  const { rows } = await db.query<Raw>(
    `INSERT INTO diagnoses (job_id, message_id, platform, tenant, channel, asset_id, fault_code, request, requested_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (job_id) DO UPDATE SET message_id = COALESCE(diagnoses.message_id, EXCLUDED.message_id)
     RETURNING *`,
    [d.jobId, d.messageId, d.platform, d.tenant, d.channel, safeText(d.assetId), safeText(d.faultCode), safeText(d.request), d.requestedBy],
  );
  return toRow(rows[0]!);
}

/** A prompt as stored for the fine-tuning export. */
export interface StoredPrompt {
  context: Array<{ role: 'system' | 'user' | 'assistant'; text: string }>;
  question: string;
}

/** Stores the structured result and the prompt it answers. Only a row still generating is updated. */
export async function finishDiagnosis(db: Q, id: string, result: DiagnosisResult, prompt: StoredPrompt): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE diagnoses SET result = $2, prompt = $3, status = 'answered', answered_at = now() WHERE id = $1 AND status = 'generating' RETURNING id`,
    [id, safeJson(result), safeJson(prompt)],
  );
  return rows.length > 0;
}

export async function failDiagnosis(db: Q, id: string): Promise<void> {
  await db.query(`UPDATE diagnoses SET status = 'failed' WHERE id = $1 AND status = 'generating'`, [id]);
}

export async function getDiagnosis(db: Q, id: string): Promise<DiagnosisRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<Raw>('SELECT * FROM diagnoses WHERE id = $1', [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function getDiagnosisByJobId(db: Q, jobId: string): Promise<DiagnosisRow | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM diagnoses WHERE job_id = $1', [jobId]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function getDiagnosisByMessageId(db: Q, messageId: string): Promise<DiagnosisRow | null> {
  const { rows } = await db.query<Raw>('SELECT * FROM diagnoses WHERE message_id = $1', [messageId]);
  return rows[0] ? toRow(rows[0]) : null;
}

/**
 * Records what happened after the diagnosis (the last press wins). A resolved, answered diagnosis
 * becomes a labelled example for the fine-tuning export; escalating it again takes the label away.
 * Params: diagnosis id, outcome, who (`slack:U123`). Returns the updated row, null when unknown.
 */
export async function recordOutcome(db: Q, id: string, outcome: DiagnosisOutcome, by: string): Promise<DiagnosisRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<Raw>(
    `UPDATE diagnoses SET outcome = $2, outcome_by = $3, outcome_at = now(), labelled = ($2 = 'resolved' AND status = 'answered')
     WHERE id = $1 RETURNING *`,
    [id, outcome, by],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Records 👍/👎 on a diagnosis (the last vote wins). Params: id, value, who. */
export async function recordDiagnosisFeedback(db: Q, id: string, value: DiagnosisFeedback, by: string): Promise<DiagnosisRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<Raw>(
    'UPDATE diagnoses SET feedback = $2, feedback_by = $3, feedback_at = now() WHERE id = $1 RETURNING *',
    [id, value, by],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** Recent diagnoses of an asset within one workspace / tenant, newest first. */
export async function listDiagnosesForAsset(db: Q, assetId: string, where: { platform: Platform; tenant: string }, limit: number): Promise<DiagnosisRow[]> {
  const { rows } = await db.query<Raw>(
    `SELECT * FROM diagnoses WHERE upper(asset_id) = upper($1) AND platform = $2 AND tenant = $3
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [assetId, where.platform, where.tenant, limit],
  );
  return rows.map(toRow);
}

/** Resolved diagnoses with their results: the labelled examples, oldest first. */
export async function listLabelledDiagnoses(db: Q): Promise<DiagnosisRow[]> {
  const { rows } = await db.query<Raw>('SELECT * FROM diagnoses WHERE labelled AND result IS NOT NULL ORDER BY id');
  return rows.map(toRow);
}
