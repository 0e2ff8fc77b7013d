import type { ConversationKey, Platform } from '../conversation/index.js';
import type { Db } from './db.js';

type Q = Pick<Db, 'query'>;

/** A channel as bindings see it: platform + tenant (Slack team / Teams tenant) + channel id. */
export type AdapterChannel = Pick<ConversationKey, 'platform' | 'tenant' | 'channel'>;

/**
 * The LoRA adapter bound to a channel (a LORA_ADAPTERS name), or undefined for the base model.
 * Read once per question at intake: the job carries the name, so a question already queued keeps
 * the adapter it was admitted with.
 */
export async function adapterForChannel(db: Q, ch: AdapterChannel): Promise<string | undefined> {
  const { rows } = await db.query<{ adapter: string }>(
    'SELECT adapter FROM lora_bindings WHERE platform = $1 AND tenant = $2 AND channel = $3',
    [ch.platform, ch.tenant, ch.channel],
  );
  return rows[0]?.adapter;
}

/**
 * Binds an adapter to a channel, replacing the one bound before. Returns the previous adapter
 * (undefined when there was none). `actor` goes to the audit trail (`cli:alice`, `slack:U123`).
 */
export async function bindAdapter(db: Pick<Db, 'transaction'>, ch: AdapterChannel, adapter: string, actor: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const prev = await adapterForChannel(tx, ch);
    await tx.query(
      `INSERT INTO lora_bindings (platform, tenant, channel, adapter, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform, tenant, channel) DO UPDATE SET adapter = $4, created_by = $5, created_at = now()`,
      [ch.platform, ch.tenant, ch.channel, adapter, actor],
    );
    await tx.query('INSERT INTO kb_audit (platform, tenant, channel, action, scope, actor) VALUES ($1, $2, $3, $4, $5, $6)', [ch.platform, ch.tenant, ch.channel, 'adapter', adapter, actor]);
    return prev;
  });
}

/** Unbinds a channel's adapter (its answers use the base model again). Returns the adapter removed, if any. */
export async function unbindAdapter(db: Pick<Db, 'transaction'>, ch: AdapterChannel, actor: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ adapter: string }>(
      'DELETE FROM lora_bindings WHERE platform = $1 AND tenant = $2 AND channel = $3 RETURNING adapter',
      [ch.platform, ch.tenant, ch.channel],
    );
    const removed = rows[0]?.adapter;
    if (removed) await tx.query('INSERT INTO kb_audit (platform, tenant, channel, action, scope, actor) VALUES ($1, $2, $3, $4, $5, $6)', [ch.platform, ch.tenant, ch.channel, 'adapter_detach', removed, actor]);
    return removed;
  });
}

export interface AdapterBindingRow extends AdapterChannel {
  adapter: string;
  createdBy: string;
  createdAt: Date;
}

/** All adapter bindings, or those matching the given ids. */
export async function listAdapterBindings(db: Q, ch: Partial<AdapterChannel> = {}): Promise<AdapterBindingRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT platform, tenant, channel, adapter, created_by, created_at FROM lora_bindings
     WHERE ($1::text IS NULL OR platform = $1) AND ($2::text IS NULL OR tenant = $2) AND ($3::text IS NULL OR channel = $3)
     ORDER BY platform, tenant, channel`,
    [ch.platform ?? null, ch.tenant ?? null, ch.channel ?? null],
  );
  return rows.map((r) => ({
    platform: r.platform as Platform, tenant: String(r.tenant), channel: String(r.channel), adapter: String(r.adapter),
    createdBy: String(r.created_by), createdAt: r.created_at as Date,
  }));
}

/** Records which adapter version answered a message (null = the base model). */
export async function recordMessageAdapter(db: Q, id: string, adapter: { name: string; sha256: string | null } | null): Promise<void> {
  if (!adapter) return;
  await db.query('UPDATE messages SET adapter = $2, adapter_sha256 = $3 WHERE id = $1', [id, adapter.name, adapter.sha256]);
}
