import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCommandRule, createAccessPolicy, listAudit, migrate, openCommand, removeCommandRule, setChannelRule, type AccessPolicyOptions, type AccessRequest, type Db,
} from '../../src/index.js';
import { createTestPgDb } from '../support/test-db.js';

const by = { actor: 'cli:test', origin: 'cli@test' };
const req = (o: Partial<AccessRequest> = {}): AccessRequest => ({ platform: 'slack', tenant: 'T1', channel: 'C1', dm: false, userId: 'U1', command: 'chat', ...o });

// The decision table of the access policy, against a real PostgreSQL (rules are rows), with an injected clock for the caches.
describe('access policy', () => {
  let db: Db;
  let nowMs = 1_000_000;
  const make = (o: Partial<AccessPolicyOptions> = {}) => createAccessPolicy({
    db, channelPolicy: 'open', allowDms: true, rulesCacheMs: 30_000, groupCacheMs: 300_000, now: () => nowMs, contact: '#it-help', ...o,
  });
  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    await setChannelRule(db, { platform: 'slack', tenant: 'T1', channel: 'C-ALLOWED' }, true, by);
    await setChannelRule(db, { platform: 'slack', tenant: 'T1', channel: 'C-DENIED' }, false, by);
    await setChannelRule(db, { platform: 'teams', tenant: 'tenant-1', channel: '19:ok@thread.tacv2' }, true, by);
  });
  afterAll(async () => db?.close());

  it.each([
    ['any workspace when SLACK_ALLOWED_TEAMS is unset', {}, req({ tenant: 'T-ANY' }), 'ok'],
    ['a workspace on the list', { slackAllowedTeams: ['T1'] }, req(), 'ok'],
    ['a workspace not on the list', { slackAllowedTeams: ['T1'] }, req({ tenant: 'T2' }), 'tenant'],
    ['an Enterprise Grid workspace whose org is on the list', { slackAllowedTeams: ['E1'] }, req({ tenant: 'T7', enterprise: 'E1' }), 'ok'],
    ['a Teams tenant not on the list', { teamsAllowedTenants: ['tenant-1'] }, req({ platform: 'teams', tenant: 'tenant-2', channel: 'x' }), 'tenant'],
    ['a Teams tenant on the list', { teamsAllowedTenants: ['tenant-1'] }, req({ platform: 'teams', tenant: 'tenant-1', channel: 'x' }), 'ok'],
    ['Slack lists do not restrict Teams', { slackAllowedTeams: ['T1'] }, req({ platform: 'teams', tenant: 'tenant-9', channel: 'x' }), 'ok'],
    ['open: any channel', {}, req({ channel: 'C-OTHER' }), 'ok'],
    ['open: a denied channel', {}, req({ channel: 'C-DENIED' }), 'channel'],
    ['allowlist: an allowed channel', { channelPolicy: 'allowlist' }, req({ channel: 'C-ALLOWED' }), 'ok'],
    ['allowlist: a channel not listed', { channelPolicy: 'allowlist' }, req({ channel: 'C-OTHER' }), 'channel'],
    ['allowlist: the same channel id in another workspace', { channelPolicy: 'allowlist' }, req({ tenant: 'T2', channel: 'C-ALLOWED' }), 'channel'],
    ['allowlist: a Teams channel allowed', { channelPolicy: 'allowlist' }, req({ platform: 'teams', tenant: 'tenant-1', channel: '19:ok@thread.tacv2' }), 'ok'],
    ['allowlist does not apply to DMs', { channelPolicy: 'allowlist' }, req({ channel: 'D1', dm: true }), 'ok'],
    ['DMs off', { allowDms: false }, req({ channel: 'D1', dm: true }), 'dm'],
    ['allowlist does not apply to the API (its clients are its channels)', { channelPolicy: 'allowlist' }, req({ platform: 'api', tenant: 'api', channel: 'ci', command: 'api' }), 'ok'],
  ] as const)('%s', async (_name, opts, r, expected) => {
    const d = await make(opts).check(r);
    expect(d.ok ? 'ok' : d.reason).toBe(expected);
    if (!d.ok) expect(d.text).toMatch(/ask #it-help\.$/);
  });

  it('restricts a command to listed users and groups (per platform), caches group members and refreshes them', async () => {
    const policy = make();
    expect((await policy.check(req({ command: 'diagnose', userId: 'U9' }))).ok).toBe(true); // no rules: open
    await addCommandRule(db, { command: 'diagnose', platform: 'slack', kind: 'group', principal: 'S0OPS' }, by);
    await addCommandRule(db, { command: 'diagnose', platform: 'slack', kind: 'user', principal: 'UBOSS' }, by);
    policy.invalidate();
    let members = ['U1'];
    const calls: string[] = [];
    const groupMembers = async (tenant: string, group: string) => {
      calls.push(`${tenant}/${group}`);
      return members;
    };
    const diag = (userId: string, platform: 'slack' | 'teams' = 'slack') => policy.check(req({ command: 'diagnose', userId, platform }), groupMembers);
    expect((await diag('U1')).ok).toBe(true);
    expect((await diag('UBOSS')).ok).toBe(true);
    const refused = await diag('U2');
    expect(refused).toEqual({ ok: false, reason: 'command', text: 'Sorry, you are not allowed to use `diagnose`. To get access, ask #it-help.' });
    // A Teams user matches no Slack rule: restricted commands are closed on platforms without rules.
    expect((await diag('U1', 'teams')).ok).toBe(false);
    // Other commands stay open.
    expect((await policy.check(req({ command: 'chat', userId: 'U2' }), groupMembers)).ok).toBe(true);
    expect(calls).toEqual(['T1/S0OPS']); // fetched once, then cached
    members = ['U1', 'U2'];
    nowMs += 299_000;
    expect((await diag('U2')).ok).toBe(false); // still the cached list
    nowMs += 2_000;
    expect((await diag('U2')).ok).toBe(true); // refreshed after POLICY_GROUP_CACHE_S
    expect(calls).toEqual(['T1/S0OPS', 'T1/S0OPS']);
    // Groups the identity carries itself (OIDC `groups`) count without a look-up.
    expect((await policy.check(req({ command: 'diagnose', userId: 'X', userGroups: ['S0OPS'] }))).ok).toBe(true);
  });

  it('keeps the last known members when a refresh fails, and admits nobody by a group never fetched', async () => {
    const errors: string[] = [];
    const policy = make({ onGroupError: (_p, g, e) => errors.push(`${g}: ${e.message}`) });
    let fail = false;
    const groupMembers = async () => {
      if (fail) throw new Error('slack down');
      return ['U1'];
    };
    expect((await policy.check(req({ command: 'diagnose' }), groupMembers)).ok).toBe(true);
    fail = true;
    nowMs += 400_000;
    expect((await policy.check(req({ command: 'diagnose' }), groupMembers)).ok).toBe(true);
    expect(errors).toEqual(['S0OPS: slack down']);
    const fresh = make();
    expect((await fresh.check(req({ command: 'diagnose' }), groupMembers)).ok).toBe(false);
  });

  it('sees rule changes after POLICY_CACHE_S, and every change is audited', async () => {
    const policy = make({ channelPolicy: 'allowlist' });
    const r = req({ channel: 'C-NEW' });
    expect((await policy.check(r)).ok).toBe(false);
    await setChannelRule(db, { platform: 'slack', tenant: 'T1', channel: 'C-NEW' }, true, by);
    expect((await policy.check(r)).ok).toBe(false); // cached rules
    nowMs += 31_000;
    expect((await policy.check(r)).ok).toBe(true);
    expect(await removeCommandRule(db, { command: 'diagnose', platform: 'slack', kind: 'user', principal: 'UBOSS' }, by)).toBe(true);
    expect(await openCommand(db, 'diagnose', by)).toBe(1);
    const actions = (await listAudit(db, { action: 'policy.' })).map((a) => a.action);
    expect(actions).toEqual([
      'policy.channel_allow', 'policy.channel_deny', 'policy.channel_allow', 'policy.command_allow_group', 'policy.command_allow_user',
      'policy.channel_allow', 'policy.command_remove_user', 'policy.command_open',
    ]);
  });
});
