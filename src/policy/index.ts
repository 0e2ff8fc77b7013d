export { createAccessPolicy } from './access-policy.js';
export type { AccessPolicy, AccessPolicyOptions } from './access-policy.js';
export {
  setChannelRule, removeChannelRule, getChannelRule, listChannelRules, addCommandRule, removeCommandRule, openCommand, listCommandRules,
} from './policy-store.js';
export { refusalText } from './refusal-texts.js';
export { POLICY_COMMANDS } from './types.js';
export type { PolicyCommand, AccessRequest, AccessDecision, RefusalReason, GroupMembersFn, ChannelRule, CommandRule, ChangedBy } from './types.js';
