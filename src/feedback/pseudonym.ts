import { createHmac } from 'node:crypto';

/**
 * Stable pseudonyms for user ids in exported datasets: `u_` + the first 16 hex digits of
 * HMAC-SHA256(secret, platform ␀ tenant ␀ user id). The same secret always gives the same
 * pseudonym (votes by one person stay linkable across exports), and without the secret a
 * pseudonym cannot be turned back into the id or checked against a guess.
 */
export function createPseudonymizer(secret: string): (platform: string, tenant: string, userId: string) => string {
  if (secret.length < 16) throw new Error('pseudonym secret must be at least 16 characters (FEEDBACK_PSEUDONYM_SECRET; e.g. `openssl rand -hex 32`)');
  return (platform, tenant, userId) => `u_${createHmac('sha256', secret).update(`${platform}\u0000${tenant}\u0000${userId}`, 'utf8').digest('hex').slice(0, 16)}`;
}
