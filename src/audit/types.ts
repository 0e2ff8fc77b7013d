import { z } from 'zod';

/**
 * One administrative action as recorded in `audit_log`. Actions are dotted lower-case names,
 * `<area>.<verb>`: `kb.attach`, `kb.ingest`, `policy.channel_allow`, `api_key.create`,
 * `assets.import`, `erasure.run`, `retention.run`.
 */
export interface AuditEntry {
  /** Who: `cli:alice`, `slack:U024BE7LH`, `teams:<aad object id>`, `system`. */
  actor: string;
  /** What, e.g. `kb.attach`. */
  action: string;
  /** What it acted on, e.g. `slack/T024BE7LD/C0123ABCD` or `scope:plant-a-pumps`. Optional. */
  target?: string | null;
  /** Anything else worth keeping (counts, options). Never message text or secrets. */
  details?: Record<string, unknown>;
  /** From where: `cli@host`, `slack:T024BE7LD`, `teams:<tenant>`, `http:10.0.0.7`, `worker@host`. */
  origin: string;
}

/** A stored audit row. */
export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  origin: string;
}

/** Which audit rows to list; every field optional. Rows come oldest first unless `order: 'desc'`. */
export interface AuditFilter {
  /** Rows at or after this time. */
  since?: Date;
  /** Rows before this time. */
  until?: Date;
  /** Exact action (`kb.attach`) or an area prefix ending in a dot (`kb.`). */
  action?: string;
  actor?: string;
  /** Substring of the target. */
  target?: string;
  /** Keyset paging: rows with an id greater than this (ascending) or smaller (descending). */
  afterId?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Default `asc`. */
  order?: 'asc' | 'desc';
}

export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** One line of `npm run audit -- export` (JSON Lines), as validated by tests and readers. */
export const auditExportLineSchema = z.object({
  id: z.string().regex(/^\d+$/),
  at: z.iso.datetime({ offset: true }),
  actor: z.string().min(1),
  action: z.string().regex(AUDIT_ACTION_PATTERN),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  origin: z.string().min(1),
}).strict();
export type AuditExportLine = z.infer<typeof auditExportLineSchema>;
