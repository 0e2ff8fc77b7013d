import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Every API key starts with this, so a bearer value is routed to the key check, not to JWT parsing. */
export const API_KEY_PREFIX = 'r1_';
/** Random bytes in a key: 256 bits, 43 base64url characters. */
const KEY_RANDOM_BYTES = 32;
/** Leading characters of the random part stored in clear to find the key's row (72 of 256 bits). */
const LOOKUP_ID_CHARS = 12;
const KEY_RE = /^r1_[A-Za-z0-9_-]{43}$/;

/**
 * scrypt cost (RFC 7914): N = 2^14, r = 8, p = 1, about 16 MiB and tens of ms a check. The keys
 * are random, so this guards a leaked table rather than weak secrets.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 } as const;

const scrypt = (secret: string, salt: Buffer, keyLen: number, o: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(secret, salt, keyLen, o, (err, key) => (err ? reject(err) : resolve(key))));

export interface NewApiKey {
  /** The full key, shown once. */
  key: string;
  /** Stored in clear, unique: finds the one row to check. */
  lookupId: string;
}

export function generateApiKey(): NewApiKey {
  const random = randomBytes(KEY_RANDOM_BYTES).toString('base64url');
  return { key: `${API_KEY_PREFIX}${random}`, lookupId: random.slice(0, LOOKUP_ID_CHARS) };
}

/** The lookup id of a well-formed key, or undefined when the value is not shaped like one of ours. */
export function apiKeyLookupId(key: string): string | undefined {
  return KEY_RE.test(key) ? key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + LOOKUP_ID_CHARS) : undefined;
}

/** `scrypt$N$r$p$salt$hash` (base64url), with a fresh 16-byte salt. The parameters travel with the hash. */
export async function hashApiKey(key: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(key, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Recomputes the hash with the stored salt and parameters; compares in constant time. */
export async function verifyApiKeyHash(key: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(key, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random key, compared against when no row matches, so a miss costs what a hit costs. */
let dummyHash: Promise<string> | undefined;
export const dummyApiKeyHash = (): Promise<string> => (dummyHash ??= hashApiKey(generateApiKey().key));
