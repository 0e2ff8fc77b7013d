import type { ConversationKey, Platform } from '../conversation/index.js';
import type { Db } from '../storage/index.js';
import { RagError } from './errors.js';
import { assertScopeName, findScopeId } from './scope-store.js';
import { cliOrigin, recordAudit } from '../audit/index.js';

type Q = Pick<Db, 'query'>;

/** A channel as bindings see it: platform + tenant (Slack team / Teams tenant) + channel id. */
export type ChannelRef = Pick<ConversationKey, 'platform' | 'tenant' | 'channel'>;

export interface ChannelKnowledge {
  /** Bound scope names, sorted. Empty = the model answers alone. */
  scopes: string[];
  webSearch: boolean;
  /** Local weight against web results; null = the configured default. */
  hybridAlpha: number | null;
}

/**
 * The scopes bound to a channel, and its web-search setting. This is the only way chat answers
 * choose scopes: a channel sees exactly these and nothing else. On the web platform the channel is
 * a user group, and the group `*` (every signed-in user) is added to every group.
 */
export async function channelKnowledge(db: Q, ch: ChannelRef): Promise<ChannelKnowledge> {
  const [b, s] = await Promise.all([
    // A web chat's channel is a group; scopes bound to the web group `*` are every signed-in user's.
    db.query<{ name: string }>(
      `SELECT DISTINCT s.name FROM kb_bindings b JOIN kb_scopes s ON s.id = b.scope_id
       WHERE b.platform = $1 AND b.tenant = $2 AND (b.channel = $3 OR ($1 = 'web' AND b.channel = '*')) ORDER BY s.name`,
      [ch.platform, ch.tenant, ch.channel],
    ),
    db.query<{ web_search: boolean; hybrid_alpha: number | null }>(
      'SELECT web_search, hybrid_alpha FROM kb_channel_settings WHERE platform = $1 AND tenant = $2 AND channel = $3',
      [ch.platform, ch.tenant, ch.channel],
    ),
  ]);
  const st = s.rows[0];
  return {
    scopes: b.rows.map((r) => r.name),
    webSearch: st?.web_search === true,
    hybridAlpha: st?.hybrid_alpha === null || st?.hybrid_alpha === undefined ? null : Number(st.hybrid_alpha),
  };
}

/** Scope names bound to a channel (see {@link channelKnowledge}). */
export async function scopesForChannel(db: Q, ch: ChannelRef): Promise<string[]> {
  return (await channelKnowledge(db, ch)).scopes;
}

async function audit(db: Q, ch: ChannelRef, action: string, scope: string | null, actor: string): Promise<void> {
  await db.query('INSERT INTO kb_audit (platform, tenant, channel, action, scope, actor) VALUES ($1, $2, $3, $4, $5, $6)', [ch.platform, ch.tenant, ch.channel, action, scope, actor]);
  // The installation-wide audit trail too (kb_audit stays: /kb list and older tooling read it).
  const [verb, alpha] = action.split(' alpha=');
  await recordAudit(db, {
    actor, action: `kb.${verb}`, target: `${ch.platform}/${ch.tenant}/${ch.channel}`,
    details: { ...(scope ? { scope } : {}), ...(alpha !== undefined ? { alpha: Number(alpha) } : {}) },
    origin: actor.startsWith('cli:') ? cliOrigin() : `${ch.platform}:${ch.tenant}`,
  });
}

/**
 * Binds a scope to a channel. The scope must exist (ingest creates it). Returns false when it was
 * already bound. `actor` is recorded in the audit trail (`slack:U123`, `cli:alice`).
 */
export async function attachScope(db: Pick<Db, 'transaction'>, ch: ChannelRef, scope: string, actor: string): Promise<boolean> {
  assertScopeName(scope);
  return db.transaction(async (tx) => {
    const id = await findScopeId(tx, scope);
    if (!id) throw new RagError('scope_unknown', `no scope named ${scope}: ingest documents into it first (npm run ingest -- --scope ${scope} <folder>)`);
    const { rows } = await tx.query(
      `INSERT INTO kb_bindings (platform, tenant, channel, scope_id, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING scope_id`,
      [ch.platform, ch.tenant, ch.channel, id, actor],
    );
    if (rows.length > 0) await audit(tx, ch, 'attach', scope, actor);
    return rows.length > 0;
  });
}

/** Unbinds a scope from a channel. Returns false when it was not bound. */
export async function detachScope(db: Pick<Db, 'transaction'>, ch: ChannelRef, scope: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `DELETE FROM kb_bindings b USING kb_scopes s
       WHERE s.id = b.scope_id AND s.name = $4 AND b.platform = $1 AND b.tenant = $2 AND b.channel = $3 RETURNING b.scope_id`,
      [ch.platform, ch.tenant, ch.channel, scope],
    );
    if (rows.length > 0) await audit(tx, ch, 'detach', scope, actor);
    return rows.length > 0;
  });
}

/** Turns web search on or off for a channel, optionally with its own local weight (alpha). */
export async function setWebSearch(db: Pick<Db, 'transaction'>, ch: ChannelRef, on: boolean, actor: string, hybridAlpha?: number | null): Promise<void> {
  if (hybridAlpha !== undefined && hybridAlpha !== null && !(hybridAlpha >= 0 && hybridAlpha <= 1)) {
    throw new RagError('scope_invalid', `web search weight must be between 0 and 1, got ${hybridAlpha}`);
  }
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO kb_channel_settings (platform, tenant, channel, web_search, hybrid_alpha, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (platform, tenant, channel) DO UPDATE SET web_search = $4,
         hybrid_alpha = CASE WHEN $7 THEN $5 ELSE kb_channel_settings.hybrid_alpha END, updated_by = $6, updated_at = now()`,
      [ch.platform, ch.tenant, ch.channel, on, hybridAlpha ?? null, actor, hybridAlpha !== undefined],
    );
    await audit(tx, ch, on ? `web_on${hybridAlpha !== undefined && hybridAlpha !== null ? ` alpha=${hybridAlpha}` : ''}` : 'web_off', null, actor);
  });
}

export interface BindingRow extends ChannelRef {
  scope: string;
  createdBy: string;
  createdAt: Date;
}

/** All bindings, or one channel's. */
export async function listBindings(db: Q, ch?: Partial<ChannelRef>): Promise<BindingRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT b.platform, b.tenant, b.channel, s.name AS scope, b.created_by, b.created_at
     FROM kb_bindings b JOIN kb_scopes s ON s.id = b.scope_id
     WHERE ($1::text IS NULL OR b.platform = $1) AND ($2::text IS NULL OR b.tenant = $2) AND ($3::text IS NULL OR b.channel = $3)
     ORDER BY b.platform, b.tenant, b.channel, s.name`,
    [ch?.platform ?? null, ch?.tenant ?? null, ch?.channel ?? null],
  );
  return rows.map((r) => ({
    platform: r.platform as Platform, tenant: String(r.tenant), channel: String(r.channel), scope: String(r.scope),
    createdBy: String(r.created_by), createdAt: r.created_at as Date,
  }));
}

/** Whether a user may change bindings: listed in ADMIN_USERS (`platform:userId`) or in kb_admins. */
export async function isKbAdmin(db: Q, adminUsers: readonly string[], platform: Platform, userId: string): Promise<boolean> {
  if (adminUsers.includes(`${platform}:${userId}`)) return true;
  const { rows } = await db.query('SELECT 1 FROM kb_admins WHERE platform = $1 AND user_id = $2', [platform, userId]);
  return rows.length > 0;
}

export async function addKbAdmin(db: Q, platform: Platform, userId: string, addedBy: string): Promise<void> {
  await db.query('INSERT INTO kb_admins (platform, user_id, added_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [platform, userId, addedBy]);
}

export async function removeKbAdmin(db: Q, platform: Platform, userId: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM kb_admins WHERE platform = $1 AND user_id = $2 RETURNING user_id', [platform, userId]);
  return rows.length > 0;
}

export async function listKbAdmins(db: Q): Promise<Array<{ platform: Platform; userId: string; addedBy: string }>> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT platform, user_id, added_by FROM kb_admins ORDER BY platform, user_id');
  return rows.map((r) => ({ platform: r.platform as Platform, userId: String(r.user_id), addedBy: String(r.added_by) }));
}
