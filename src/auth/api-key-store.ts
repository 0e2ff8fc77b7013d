import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../storage/db.js';
import { InputError } from '../errors.js';
import { apiKeyLookupId, dummyApiKeyHash, generateApiKey, hashApiKey, verifyApiKeyHash } from './api-key-secret.js';

/** A key's name is its client id in logs, rate limits and knowledge bindings. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
/** `last_used_at` is written at most this often per key, so a busy key is not a write per request. */
const LAST_USED_RESOLUTION_S = 60;

export interface ApiKeyInfo {
  name: string;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function assertApiKeyName(name: string): void {
  if (!NAME_RE.test(name)) throw new InputError(`invalid key name ${JSON.stringify(name)}: 1–64 characters, letters, digits, _ . @ - (starting with a letter or digit)`);
}

/**
 * Creates a key and returns it; only its scrypt hash and lookup id are stored, so this is the one
 * time it can be shown. A name stays taken after revocation: log lines keep meaning one key.
 */
export async function createApiKey(db: Pick<Db, 'query'>, name: string, createdBy?: string): Promise<{ name: string; key: string }> {
  assertApiKeyName(name);
  const { key, lookupId } = generateApiKey();
  const hash = await hashApiKey(key);
  // $1 name, $2 lookup id (unique), $3 scrypt hash string, $4 who created it
  const res = await db.query(
    `INSERT INTO api_keys (name, lookup_id, key_hash, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name`,
    [name, lookupId, hash, createdBy ?? null],
  );
  if (res.rows.length === 0) throw new InputError(`an API key named ${name} already exists (names are not reused, even after revoke)`);
  return { name, key };
}

export async function listApiKeys(db: Pick<Db, 'query'>): Promise<ApiKeyInfo[]> {
  const res = await db.query<{ name: string; created_at: Date; created_by: string | null; last_used_at: Date | null; revoked_at: Date | null }>(
    'SELECT name, created_at, created_by, last_used_at, revoked_at FROM api_keys ORDER BY name',
  );
  const d = (v: Date | string | null) => (v === null ? null : new Date(v));
  return res.rows.map((r) => ({ name: r.name, createdAt: new Date(r.created_at), createdBy: r.created_by, lastUsedAt: d(r.last_used_at), revokedAt: d(r.revoked_at) }));
}

/** Revokes a key by name; false when there is no such active key. Takes effect on the next request. */
export async function revokeApiKey(db: Pick<Db, 'query'>, name: string): Promise<boolean> {
  const res = await db.query('UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name', [name]);
  return res.rows.length > 0;
}

/** Hash of a stored key → SHA-256 of the key that matched it (this process only; see verifyApiKey). */
const verifiedKeys = new Map<string, Buffer>();
const VERIFIED_KEYS_MAX = 10_000;

/**
 * The name of the active key matching `key`, or undefined. One row is read by lookup id and the
 * hash compared in constant time; a miss hashes against a dummy so both take the same time.
 */
export async function verifyApiKey(db: Pick<Db, 'query'>, key: string): Promise<string | undefined> {
  const lookupId = apiKeyLookupId(key);
  if (!lookupId) return undefined;
  const res = await db.query<{ id: string; name: string; key_hash: string; revoked_at: Date | null }>(
    'SELECT id, name, key_hash, revoked_at FROM api_keys WHERE lookup_id = $1',
    [lookupId],
  );
  const row = res.rows[0];
  // scrypt costs tens of ms of CPU a check: a key this process has already verified against this
  // very hash is recognised by a SHA-256 of it instead. The row is still read every time, so a
  // revocation applies from the next request.
  const digest = createHash('sha256').update(key).digest();
  const known = row ? verifiedKeys.get(row.key_hash) : undefined;
  const ok = known !== undefined && timingSafeEqual(known, digest) ? true : await verifyApiKeyHash(key, row?.key_hash ?? (await dummyApiKeyHash()));
  if (!row || !ok || row.revoked_at !== null) return undefined;
  if (verifiedKeys.size >= VERIFIED_KEYS_MAX) verifiedKeys.clear();
  verifiedKeys.set(row.key_hash, digest);
  // $1 key id, $2 resolution in seconds
  await db.query(
    `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
    [row.id, LAST_USED_RESOLUTION_S],
  );
  return row.name;
}
