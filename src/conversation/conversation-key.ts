import { createHash } from 'node:crypto';
import { z } from 'zod';

export const PLATFORMS = ['slack', 'teams', 'console', 'api', 'web'] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * The canonical conversation key. Everything per-conversation derives from it: RAG scope lookup
 * (platform + tenant + channel), memory and locking (the whole key), queue grouping (channel),
 * and the reply target (thread).
 * - slack: tenant = team id, channel = channel id, thread = thread root ts
 * - teams: tenant = AAD tenant id, channel = conversation id without `;messageid=`, thread = root message id (or channel for 1:1)
 * - console: tenant = 'local', channel = 'console', thread = session id
 * - api: tenant = 'api', channel = the client (token azp/client_id/sub, or API key name), thread = request id
 * - web: tenant = the identity provider's issuer, channel = the web group, thread = the chat id
 */
export const conversationKeySchema = z.object({
  platform: z.enum(PLATFORMS),
  tenant: z.string().min(1).max(200),
  channel: z.string().min(1).max(400),
  thread: z.string().min(1).max(400),
});
export type ConversationKey = z.infer<typeof conversationKeySchema>;

const enc = (s: string) => encodeURIComponent(s);

/** `platform:tenant:channel:thread`, each part URI-encoded so ':' inside ids stays unambiguous. */
export function encodeConversationKey(k: ConversationKey): string {
  return [k.platform, k.tenant, k.channel, k.thread].map(enc).join(':');
}

export function parseConversationKey(s: string): ConversationKey {
  const parts = s.split(':');
  if (parts.length !== 4) throw new Error(`not a conversation key: expected 4 parts, got ${parts.length}`);
  const [platform, tenant, channel, thread] = parts.map(decodeURIComponent);
  return conversationKeySchema.parse({ platform, tenant, channel, thread });
}

/** The channel part of the key: what RAG scopes and fair scheduling are keyed on. */
export function channelIdOf(k: ConversationKey): string {
  return [k.platform, k.tenant, k.channel].map(enc).join(':');
}

/** Short stable hash, safe in Redis keys and BullMQ ids (no ':'). */
export function hashId(s: string, len = 24): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, len);
}

/** Lock id for per-thread serialisation (memory consistency). */
export const threadLockId = (k: ConversationKey) => `thread-${hashId(encodeConversationKey(k))}`;
/** Queue group id (per channel). */
export const channelGroupId = (k: ConversationKey) => `chan-${hashId(channelIdOf(k))}`;
