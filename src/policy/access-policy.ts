import type { Platform } from '../conversation/index.js';
import type { Db } from '../storage/index.js';
import { listChannelRules, listCommandRules } from './policy-store.js';
import { refusalText } from './refusal-texts.js';
import type { AccessDecision, AccessRequest, CommandRule, GroupMembersFn, PolicyCommand } from './types.js';

/** The settings the policy reads (from config: SLACK_ALLOWED_TEAMS, TEAMS_ALLOWED_TENANTS, …). */
export interface AccessPolicyOptions {
  db: Pick<Db, 'query'>;
  slackAllowedTeams?: readonly string[];
  teamsAllowedTenants?: readonly string[];
  channelPolicy: 'open' | 'allowlist';
  allowDms: boolean;
  contact?: string;
  /** How long channel and command rules are cached, in ms. */
  rulesCacheMs: number;
  /** How long a group's member list is cached, in ms. */
  groupCacheMs: number;
  /** Injectable clock (ms), for tests. Defaults to Date.now. */
  now?: () => number;
  /** Told when a group's members could not be fetched and an older list (or none) was used. */
  onGroupError?: (platform: Platform, groupId: string, err: Error) => void;
}

export interface AccessPolicy {
  /**
   * Whether the request may go ahead. Order: workspace/tenant, DM or channel, then the command's
   * users and groups. `groupMembers` resolves the platform's groups (absent: only groups the identity carries count).
   */
  check(req: AccessRequest, groupMembers?: GroupMembersFn): Promise<AccessDecision>;
  /** Drops the cached rules (after a change in this process). */
  invalidate(): void;
}

interface Rules {
  channels: Map<string, boolean>;
  commands: Map<PolicyCommand, CommandRule[]>;
}

const chKey = (p: string, t: string, c: string) => `${p}\u0000${t}\u0000${c}`;

/**
 * The access policy of an installation: one object per process, its rules and group lists cached
 * (`rulesCacheMs`, `groupCacheMs`). A failed rule load is not cached (the next request retries)
 * and refuses nothing open by configuration alone: it throws, and admission answers "unavailable".
 */
export function createAccessPolicy(o: AccessPolicyOptions): AccessPolicy {
  const now = o.now ?? Date.now;
  let rules: { at: number; value: Promise<Rules> } | undefined;
  const groups = new Map<string, { at: number; members?: Set<string>; pending?: Promise<Set<string>> }>();

  const loadRules = (): Promise<Rules> => {
    if (rules && now() - rules.at < o.rulesCacheMs) return rules.value;
    const value = (async () => {
      const [chs, cmds] = await Promise.all([listChannelRules(o.db), listCommandRules(o.db)]);
      const commands = new Map<PolicyCommand, CommandRule[]>();
      for (const r of cmds) commands.set(r.command, [...(commands.get(r.command) ?? []), r]);
      return { channels: new Map(chs.map((c) => [chKey(c.platform, c.tenant, c.channel), c.allowed])), commands };
    })();
    const entry = { at: now(), value };
    rules = entry;
    value.catch(() => {
      if (rules === entry) rules = undefined;
    });
    return value;
  };

  const membersOf = async (platform: Platform, tenant: string, groupId: string, fetch: GroupMembersFn): Promise<Set<string>> => {
    const key = `${platform}\u0000${tenant}\u0000${groupId}`;
    const cached = groups.get(key);
    if (cached?.members && now() - cached.at < o.groupCacheMs) return cached.members;
    if (cached?.pending) return cached.pending;
    const pending = fetch(tenant, groupId).then(
      (users) => {
        const members = new Set(users);
        groups.set(key, { at: now(), members });
        return members;
      },
      (e: Error) => {
        o.onGroupError?.(platform, groupId, e);
        // A stale list is better than none for a short outage; no list at all admits nobody by this group.
        const stale = cached?.members ?? new Set<string>();
        groups.set(key, { at: cached?.at ?? 0, members: cached?.members });
        return stale;
      },
    );
    groups.set(key, { at: cached?.at ?? 0, members: cached?.members, pending });
    return pending;
  };

  const refuse = (reason: 'tenant' | 'channel' | 'dm' | 'command', command?: PolicyCommand): AccessDecision =>
    ({ ok: false, reason, text: refusalText(reason, o.contact, command) });

  return {
    invalidate: () => {
      rules = undefined;
      groups.clear();
    },
    async check(req, groupMembers) {
      if (req.platform === 'slack' && o.slackAllowedTeams) {
        const allowed = o.slackAllowedTeams.includes(req.tenant) || (req.enterprise !== undefined && o.slackAllowedTeams.includes(req.enterprise));
        if (!allowed) return refuse('tenant');
      }
      if (req.platform === 'teams' && o.teamsAllowedTenants && !o.teamsAllowedTenants.includes(req.tenant)) return refuse('tenant');
      const r = await loadRules();
      if (req.dm) {
        if (!o.allowDms) return refuse('dm');
      } else if (req.platform === 'slack' || req.platform === 'teams' || req.platform === 'web') {
        // Channels: an explicit deny always refuses; with `allowlist`, only allowed channels answer.
        const rule = r.channels.get(chKey(req.platform, req.tenant, req.channel));
        if (rule === false || (o.channelPolicy === 'allowlist' && rule !== true)) return refuse('channel');
      }
      const cmdRules = r.commands.get(req.command);
      if (!cmdRules?.length) return { ok: true };
      const mine = cmdRules.filter((x) => x.platform === req.platform);
      if (mine.some((x) => x.kind === 'user' && x.principal === req.userId)) return { ok: true };
      for (const g of mine.filter((x) => x.kind === 'group')) {
        if (req.userGroups?.includes(g.principal)) return { ok: true };
        if (groupMembers && (await membersOf(req.platform, req.tenant, g.principal, groupMembers)).has(req.userId)) return { ok: true };
      }
      return refuse('command', req.command);
    },
  };
}
