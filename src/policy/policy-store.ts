import type { Platform } from '../conversation/index.js';
import { recordAudit } from '../audit/index.js';
import type { Db } from '../storage/index.js';
import type { ChangedBy, ChannelRule, CommandRule, PolicyCommand } from './types.js';

type Q = Pick<Db, 'query'>;
type Ch = { platform: Platform; tenant: string; channel: string };
const target = (c: Ch) => `${c.platform}/${c.tenant}/${c.channel}`;

/** Allows or denies a channel (CHANNEL_POLICY=allowlist reads it), audited in the same transaction. */
export async function setChannelRule(db: Pick<Db, 'transaction'>, ch: Ch, allowed: boolean, by: ChangedBy): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO policy_channels (platform, tenant, channel, allowed, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform, tenant, channel) DO UPDATE SET allowed = EXCLUDED.allowed, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [ch.platform, ch.tenant, ch.channel, allowed, by.actor],
    );
    await recordAudit(tx, { actor: by.actor, origin: by.origin, action: allowed ? 'policy.channel_allow' : 'policy.channel_deny', target: target(ch) });
  });
}

/** Removes a channel's rule (back to the default of CHANNEL_POLICY). Returns false when there was none. */
export async function removeChannelRule(db: Pick<Db, 'transaction'>, ch: Ch, by: ChangedBy): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('DELETE FROM policy_channels WHERE platform = $1 AND tenant = $2 AND channel = $3 RETURNING channel', [ch.platform, ch.tenant, ch.channel]);
    if (rows.length) await recordAudit(tx, { actor: by.actor, origin: by.origin, action: 'policy.channel_remove', target: target(ch) });
    return rows.length > 0;
  });
}

/** The rule of one channel, or null. */
export async function getChannelRule(db: Q, ch: Ch): Promise<boolean | null> {
  const { rows } = await db.query<{ allowed: boolean }>('SELECT allowed FROM policy_channels WHERE platform = $1 AND tenant = $2 AND channel = $3', [ch.platform, ch.tenant, ch.channel]);
  return rows[0] ? rows[0].allowed === true : null;
}

export async function listChannelRules(db: Q): Promise<ChannelRule[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM policy_channels ORDER BY platform, tenant, channel');
  return rows.map((r) => ({
    platform: r.platform as Platform, tenant: r.tenant as string, channel: r.channel as string, allowed: r.allowed === true,
    updatedBy: r.updated_by as string, updatedAt: r.updated_at as Date,
  }));
}

/** Adds a user or group to a command's allowed list (the command becomes restricted). Returns false when present already. */
export async function addCommandRule(db: Pick<Db, 'transaction'>, r: Pick<CommandRule, 'command' | 'platform' | 'kind' | 'principal'>, by: ChangedBy): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO policy_commands (command, platform, kind, principal, added_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING command`,
      [r.command, r.platform, r.kind, r.principal, by.actor],
    );
    if (rows.length) await recordAudit(tx, { actor: by.actor, origin: by.origin, action: `policy.command_allow_${r.kind}`, target: `command:${r.command}`, details: { platform: r.platform, [r.kind]: r.principal } });
    return rows.length > 0;
  });
}

/** Removes a user or group from a command's list. Returns false when it was not there. */
export async function removeCommandRule(db: Pick<Db, 'transaction'>, r: Pick<CommandRule, 'command' | 'platform' | 'kind' | 'principal'>, by: ChangedBy): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      'DELETE FROM policy_commands WHERE command = $1 AND platform = $2 AND kind = $3 AND principal = $4 RETURNING command',
      [r.command, r.platform, r.kind, r.principal],
    );
    if (rows.length) await recordAudit(tx, { actor: by.actor, origin: by.origin, action: `policy.command_remove_${r.kind}`, target: `command:${r.command}`, details: { platform: r.platform, [r.kind]: r.principal } });
    return rows.length > 0;
  });
}

/** Removes every rule of a command: open to everyone again. Returns how many rules were removed. */
export async function openCommand(db: Pick<Db, 'transaction'>, command: PolicyCommand, by: ChangedBy): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('DELETE FROM policy_commands WHERE command = $1 RETURNING principal', [command]);
    await recordAudit(tx, { actor: by.actor, origin: by.origin, action: 'policy.command_open', target: `command:${command}`, details: { removed: rows.length } });
    return rows.length;
  });
}

export async function listCommandRules(db: Q, command?: PolicyCommand): Promise<CommandRule[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT * FROM policy_commands ${command ? 'WHERE command = $1' : ''} ORDER BY command, platform, kind, principal`,
    command ? [command] : [],
  );
  return rows.map((r) => ({
    command: r.command as PolicyCommand, platform: r.platform as Platform, kind: r.kind as 'user' | 'group', principal: r.principal as string,
    addedBy: r.added_by as string, createdAt: r.created_at as Date,
  }));
}
