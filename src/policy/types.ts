import type { Platform } from '../conversation/index.js';

/**
 * Commands whose users can be restricted (`npm run policy -- command <name> --allow-user|--allow-group`):
 * `chat` (asking questions), `diagnose`, `kb`, `feedback-export`, and `api` (the OpenAI-compatible API).
 */
export const POLICY_COMMANDS = ['chat', 'diagnose', 'kb', 'feedback-export', 'api'] as const;
export type PolicyCommand = (typeof POLICY_COMMANDS)[number];

/** One request to check: who asks, where, for what. */
export interface AccessRequest {
  platform: Platform;
  /** Slack team id / Teams tenant id / `api` / … */
  tenant: string;
  /** Slack Enterprise Grid org id (`E…`) when the event carries one. */
  enterprise?: string;
  channel: string;
  /** A direct message (Slack DM, Teams personal chat). */
  dm: boolean;
  userId: string;
  /** Group ids the identity itself carries (an OIDC token's `groups` claim). */
  userGroups?: readonly string[];
  command: PolicyCommand;
}

export type RefusalReason = 'tenant' | 'channel' | 'dm' | 'command';

export type AccessDecision =
  | { ok: true }
  | { ok: false; reason: RefusalReason; text: string };

/** Finds a platform group's members (Slack: `usergroups.users.list`). Undefined when the platform has no groups. */
export type GroupMembersFn = (tenant: string, groupId: string) => Promise<readonly string[]>;

export interface ChannelRule {
  platform: Platform;
  tenant: string;
  channel: string;
  allowed: boolean;
  updatedBy: string;
  updatedAt: Date;
}

export interface CommandRule {
  command: PolicyCommand;
  platform: Platform;
  kind: 'user' | 'group';
  principal: string;
  addedBy: string;
  createdAt: Date;
}

/** Who changed a rule and from where, for the audit trail. */
export interface ChangedBy {
  actor: string;
  origin: string;
}
