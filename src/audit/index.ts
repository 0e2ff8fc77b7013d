export { recordAudit, listAudit, iterateAudit, AUDIT_MAX_PAGE } from './audit-store.js';
export { exportAudit, toAuditExportLine } from './export-audit.js';
export { auditExportLineSchema, AUDIT_ACTION_PATTERN } from './types.js';
export type { AuditEntry, AuditRow, AuditFilter, AuditExportLine } from './types.js';
export { recordProvenance, getProvenance, documentsWithVersions, promptSha256 } from './provenance.js';
export type { AnswerProvenance, ProvenanceDocument } from './provenance.js';
export { cliActor, cliOrigin, serviceOrigin } from './cli-identity.js';
