import type { Db } from '../storage/index.js';
import { safeJson, safeText } from '../storage/index.js';
import { InputError } from '../errors.js';
import { AUDIT_ACTION_PATTERN, type AuditEntry, type AuditFilter, type AuditRow } from './types.js';

type Q = Pick<Db, 'query'>;
type Raw = { id: string | number; at: Date | string; actor: string; action: string; target: string | null; details: Record<string, unknown> | null; origin: string };

const toRow = (r: Raw): AuditRow => ({
  id: String(r.id),
  at: r.at instanceof Date ? r.at : new Date(r.at),
  actor: r.actor,
  action: r.action,
  target: r.target ?? null,
  details: r.details ?? {},
  origin: r.origin,
});

/**
 * Appends one row to the audit trail (`audit_log`, append-only: the database refuses UPDATE,
 * DELETE and TRUNCATE). Pass the transaction of the action itself, so the action and its record
 * commit together. Params: actor, action, target, details (JSON), origin.
 */
export async function recordAudit(db: Q, entry: AuditEntry): Promise<AuditRow> {
  if (!AUDIT_ACTION_PATTERN.test(entry.action)) throw new InputError(`audit action ${JSON.stringify(entry.action)} must look like area.verb (lower case)`);
  const { rows } = await db.query<Raw>(
    'INSERT INTO audit_log (actor, action, target, details, origin) VALUES ($1, $2, $3, $4, $5) RETURNING *',
    [safeText(entry.actor), entry.action, entry.target == null ? null : safeText(entry.target), safeJson(entry.details ?? {}), safeText(entry.origin)],
  );
  return toRow(rows[0]!);
}

/** Largest page {@link listAudit} returns. */
export const AUDIT_MAX_PAGE = 1000;

/**
 * Audit rows matching `filter`, oldest first (or newest first with `order: 'desc'`), at most
 * `limit` (default 100, max 1000). Page with `afterId` = the last row's id.
 */
export async function listAudit(db: Q, filter: AuditFilter = {}): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  const desc = filter.order === 'desc';
  if (filter.since) add('at >= ?', filter.since);
  if (filter.until) add('at < ?', filter.until);
  if (filter.action) {
    if (filter.action.endsWith('.')) add("starts_with(action, ?)", filter.action);
    else add('action = ?', filter.action);
  }
  if (filter.actor) add('actor = ?', filter.actor);
  if (filter.target) add("strpos(coalesce(target, ''), ?) > 0", filter.target);
  if (filter.afterId) add(desc ? 'id < ?::bigint' : 'id > ?::bigint', filter.afterId);
  const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), AUDIT_MAX_PAGE);
  params.push(limit);
  const { rows } = await db.query<Raw>(
    `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${desc ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
    params,
  );
  return rows.map(toRow);
}

/** Every matching row, oldest first, fetched a page at a time (for exports of any size). */
export async function* iterateAudit(db: Q, filter: Omit<AuditFilter, 'afterId' | 'limit' | 'order'> = {}, pageSize = 500): AsyncGenerator<AuditRow> {
  let afterId: string | undefined;
  for (;;) {
    const page = await listAudit(db, { ...filter, afterId, limit: pageSize, order: 'asc' });
    for (const r of page) yield r;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}
