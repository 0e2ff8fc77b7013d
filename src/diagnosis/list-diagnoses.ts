import type { Db } from '../storage/index.js';

/** A diagnosis as the admin console lists it. */
export interface DiagnosisListItem {
  id: string;
  assetId: string;
  faultCode: string | null;
  request: string;
  requestedBy: string;
  platform: string;
  channel: string;
  status: string;
  /** The first cause's title, when answered. */
  title: string | null;
  outcome: 'resolved' | 'escalated' | null;
  outcomeBy: string | null;
  feedback: 'up' | 'down' | null;
  createdAt: Date;
}

/** Recent diagnoses, newest first, across channels; one asset's history when `assetId` is given (case-insensitive). */
export async function listRecentDiagnoses(db: Pick<Db, 'query'>, o: { assetId?: string; outcome?: 'resolved' | 'escalated' | 'open'; limit?: number } = {}): Promise<DiagnosisListItem[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, asset_id, fault_code, request, requested_by, platform, channel, status, result, outcome, outcome_by, feedback, created_at FROM diagnoses
     WHERE ($1::text IS NULL OR upper(asset_id) = upper($1))
       AND ($2::text IS NULL OR ($2 = 'open' AND outcome IS NULL) OR outcome = $2)
     ORDER BY created_at DESC LIMIT $3`,
    [o.assetId ?? null, o.outcome ?? null, Math.min(Math.max(1, o.limit ?? 100), 1000)],
  );
  return rows.map((r) => {
    const result = (typeof r.result === 'string' ? JSON.parse(r.result) : r.result) as { causes?: Array<{ title?: string; cause?: string }> } | null;
    const first = result?.causes?.[0];
    return {
      id: String(r.id), assetId: String(r.asset_id), faultCode: (r.fault_code as string | null) ?? null, request: String(r.request), requestedBy: String(r.requested_by),
      platform: String(r.platform), channel: String(r.channel), status: String(r.status), title: first?.title ?? first?.cause ?? null,
      outcome: (r.outcome as DiagnosisListItem['outcome']) ?? null, outcomeBy: (r.outcome_by as string | null) ?? null, feedback: (r.feedback as DiagnosisListItem['feedback']) ?? null,
      createdAt: new Date(r.created_at as string),
    };
  });
}
