import type { DiagnosisRow } from './diagnosis-store.js';
import { diagnosisTitle } from './diagnosis-markdown.js';
import type { DiagnosisResult, DiagnosisView } from './result-schema.js';

/** The header of a diagnosis thread, also when there is no result (generation failed). */
export function titleOf(row: Pick<DiagnosisRow, 'assetId' | 'request'>, result: DiagnosisResult | null): string {
  return result ? diagnosisTitle(result) : `🔧 Diagnosis for ${row.assetId}: ${row.request}`;
}

/** What an adapter renders for a stored diagnosis (`OutgoingReply.structured.data`). */
export function toDiagnosisView(row: DiagnosisRow): DiagnosisView {
  return {
    diagnosisId: row.id,
    title: titleOf(row, row.result),
    assetId: row.assetId,
    requestedBy: row.requestedBy,
    request: row.request,
    result: row.status === 'answered' ? row.result : null,
    outcome: row.outcome && row.outcomeBy ? { value: row.outcome, by: row.outcomeBy } : null,
  };
}
