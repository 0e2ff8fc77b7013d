import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../storage/index.js';

type Q = Pick<Db, 'query'>;

/** Who is signed in to the web console or chat. */
export interface WebSession {
  /** `web:<sub>`, or `web:local` under WEB_LOCAL. */
  userId: string;
  userName: string | null;
  /** The OIDC issuer, or `local`: the tenant of this user's conversation keys. */
  tenant: string;
  /** The user's groups (the ID token's `groups`/`roles` claim). */
  groups: string[];
  isAdmin: boolean;
  /** Every state-changing request must carry this (form field `_csrf` or header `x-csrf-token`). */
  csrfToken: string;
  expiresAt: Date;
}

export type NewWebSession = Omit<WebSession, 'csrfToken' | 'expiresAt'>;

const hashOf = (id: string) => createHash('sha256').update(id).digest('base64url');

/**
 * Creates a session that ends `ttlS` seconds from now. Returns the session id for the cookie: 32
 * random bytes, of which only the SHA-256 is stored (a read of the table does not yield cookies).
 */
export async function createWebSession(db: Q, s: NewWebSession, ttlS: number): Promise<{ id: string; session: WebSession }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO web_sessions (id_hash, user_id, user_name, tenant, groups, is_admin, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, now() + make_interval(secs => $8)) RETURNING expires_at`,
    [hashOf(id), s.userId, s.userName, s.tenant, JSON.stringify(s.groups), s.isAdmin, csrfToken, ttlS],
  );
  return { id, session: { ...s, csrfToken, expiresAt: new Date(rows[0]!.expires_at) } };
}

/** The session of a cookie's id, or null when unknown or expired (server-side expiry). */
export async function findWebSession(db: Q, id: string): Promise<WebSession | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT user_id, user_name, tenant, groups, is_admin, csrf_token, expires_at FROM web_sessions WHERE id_hash = $1 AND expires_at > now()',
    [hashOf(id)],
  );
  const r = rows[0];
  if (!r) return null;
  const groups = typeof r.groups === 'string' ? (JSON.parse(r.groups) as unknown) : r.groups;
  return {
    userId: String(r.user_id), userName: r.user_name === null ? null : String(r.user_name), tenant: String(r.tenant),
    groups: Array.isArray(groups) ? groups.map(String) : [], isAdmin: r.is_admin === true, csrfToken: String(r.csrf_token),
    expiresAt: new Date(r.expires_at as string),
  };
}

/** Ends a session (logout). */
export async function deleteWebSession(db: Q, id: string): Promise<void> {
  await db.query('DELETE FROM web_sessions WHERE id_hash = $1', [hashOf(id)]);
}

/** Removes expired sessions; returns how many. */
export async function pruneWebSessions(db: Q): Promise<number> {
  const { rows } = await db.query('DELETE FROM web_sessions WHERE expires_at <= now() RETURNING id_hash');
  return rows.length;
}
