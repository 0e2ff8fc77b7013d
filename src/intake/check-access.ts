import { encodeConversationKey, hashId, type ConversationKey } from '../conversation/index.js';
import type { AccessDecision, AccessRequest } from '../policy/index.js';
import type { Runtime } from '../runtime/index.js';
import type { ChatPlatform } from './chat-platform.js';

/** The part of the runtime the policy step uses. */
export type AccessRuntime = Pick<Runtime, 'cfg' | 'log' | 'metrics' | 'redis' | 'policy'>;

/** A refusal of a whole conversation (workspace, channel, DMs) is told at most once per conversation within this time. */
export const POLICY_REFUSAL_ONCE_S = 7 * 86_400;

export type AccessResult =
  | { ok: true }
  | (Extract<AccessDecision, { ok: false }> & {
    /** Whether to tell the asker (false when this conversation was already told). */
    notify: boolean;
  });

/**
 * The policy step of admission (and of slash commands, which skip the question queue): who may
 * ask what, where (SLACK_ALLOWED_TEAMS, TEAMS_ALLOWED_TENANTS, CHANNEL_POLICY, ALLOW_DMS, per-command
 * users and groups). A refusal is counted (`r1_policy_refusals_total`) and logged with ids only;
 * refusals of a place are told once per conversation (a Redis key with a TTL), a refused command
 * every time (the asker typed it and expects an answer). The operator's own surface (the console)
 * is not restricted: whoever runs it can change the policy anyway.
 */
export async function checkAccess(rt: AccessRuntime, platform: ChatPlatform, req: AccessRequest, key?: ConversationKey): Promise<AccessResult> {
  if (platform.operatorSurface) return { ok: true };
  const decision = await rt.policy.check(req, platform.groupMembers?.bind(platform));
  if (decision.ok) return decision;
  rt.metrics.policyRefusals.inc({ platform: req.platform, reason: decision.reason });
  rt.log.info({ platform: req.platform, tenant: req.tenant, channel: req.channel, user: req.userId, command: req.command, reason: decision.reason }, 'refused by policy');
  if (decision.reason === 'command' || !key) return { ...decision, notify: true };
  const first = await rt.redis.set(`${rt.cfg.QUEUE_PREFIX}:policy-refused:${hashId(encodeConversationKey(key), 24)}`, '1', 'EX', POLICY_REFUSAL_ONCE_S, 'NX');
  return { ...decision, notify: first === 'OK' };
}
