import type { Db } from '../storage/index.js';
import { iterateAudit } from './audit-store.js';
import type { AuditExportLine, AuditFilter, AuditRow } from './types.js';

/** One audit row as a line of the JSONL export (see `auditExportLineSchema`). */
export const toAuditExportLine = (r: AuditRow): AuditExportLine => ({
  id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, target: r.target, details: r.details, origin: r.origin,
});

/**
 * Writes the audit rows matching `filter` as JSON Lines through `write` (one call per line,
 * newline included), oldest first. Returns how many lines were written.
 */
export async function exportAudit(db: Pick<Db, 'query'>, filter: Omit<AuditFilter, 'afterId' | 'limit' | 'order'>, write: (line: string) => Promise<void> | void): Promise<number> {
  let n = 0;
  for await (const r of iterateAudit(db, filter)) {
    await write(`${JSON.stringify(toAuditExportLine(r))}\n`);
    n++;
  }
  return n;
}
