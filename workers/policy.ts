// `npm run policy -- <command>`: where the bot answers (channel allowlist) and who may run what.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  PLATFORMS, POLICY_COMMANDS, UsageError, addCommandRule, cliActor, cliOrigin, listChannelRules, listCommandRules, migrate, openCommand, openDb,
  removeChannelRule, removeCommandRule, runCli, setChannelRule, type Db, type Platform, type PolicyCommand,
} from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run policy -- <command> [options]
  allow   --platform slack|teams|web --team <team or tenant id> --channel <channel id>
          the bot answers there (needed with CHANNEL_POLICY=allowlist)
  deny    --platform … --team … --channel …     the bot never answers there (any CHANNEL_POLICY)
  remove  --platform … --team … --channel …     the channel's rule goes (back to CHANNEL_POLICY)
  command <${POLICY_COMMANDS.join('|')}> [--platform slack]
          --allow-user <id> | --allow-group <id> | --remove-user <id> | --remove-group <id> | --open
          with any allowed user or group the command is restricted to them (on that platform);
          --open removes every rule (open to everyone again). Slack groups are user group ids (S…),
          Teams users AAD object ids, web/API groups the ids in the identity's groups claim
  list                                           every channel and command rule
Changes are audited and reach running services within POLICY_CACHE_S seconds.
  --verbose                                      stack traces on errors`;

const parse = (args: string[]) => parseArgs({
  args, allowPositionals: true,
  options: {
    platform: { type: 'string' }, team: { type: 'string' }, channel: { type: 'string' },
    'allow-user': { type: 'string' }, 'allow-group': { type: 'string' }, 'remove-user': { type: 'string' }, 'remove-group': { type: 'string' }, open: { type: 'boolean' },
  },
});
type Values = ReturnType<typeof parse>['values'];

const platformOf = (v: Values, fallback?: Platform): Platform => {
  const p = v.platform ?? fallback;
  if (!p) throw new UsageError('--platform is required');
  if (!(PLATFORMS as readonly string[]).includes(p)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  return p as Platform;
};
const need = (v: Values, name: 'team' | 'channel'): string => {
  if (!v[name]) throw new UsageError(`--${name} is required`);
  return v[name];
};

async function run(db: Db, v: Values, pos: string[]): Promise<string> {
  const by = { actor: cliActor(), origin: cliOrigin() };
  const cmd = pos[0];
  switch (cmd) {
    case 'allow':
    case 'deny':
    case 'remove': {
      const ch = { platform: platformOf(v), tenant: need(v, 'team'), channel: need(v, 'channel') };
      const show = `${ch.platform} ${ch.tenant} ${ch.channel}`;
      if (cmd === 'remove') return (await removeChannelRule(db, ch, by)) ? `removed the rule of ${show}` : `${show} had no rule`;
      await setChannelRule(db, ch, cmd === 'allow', by);
      return `${cmd === 'allow' ? 'allowed' : 'denied'} ${show}`;
    }
    case 'command': {
      const name = pos[1];
      if (!name || !(POLICY_COMMANDS as readonly string[]).includes(name)) throw new UsageError(`command needs one of ${POLICY_COMMANDS.join(', ')}`);
      const command = name as PolicyCommand;
      if (v.open) return `${command}: open to everyone (${await openCommand(db, command, by)} rule(s) removed)`;
      const platform = platformOf(v, 'slack');
      const [op, kind, principal] = v['allow-user'] ? ['allow', 'user', v['allow-user']] as const
        : v['allow-group'] ? ['allow', 'group', v['allow-group']] as const
          : v['remove-user'] ? ['remove', 'user', v['remove-user']] as const
            : v['remove-group'] ? ['remove', 'group', v['remove-group']] as const
              : [undefined, undefined, undefined];
      if (!op) throw new UsageError('command needs --allow-user, --allow-group, --remove-user, --remove-group or --open');
      const rule = { command, platform, kind, principal };
      if (op === 'allow') return (await addCommandRule(db, rule, by)) ? `${command}: ${platform} ${kind} ${principal} allowed` : `${command}: ${platform} ${kind} ${principal} was already allowed`;
      return (await removeCommandRule(db, rule, by)) ? `${command}: ${platform} ${kind} ${principal} removed` : `${command}: ${platform} ${kind} ${principal} was not listed`;
    }
    case 'list': {
      const chs = await listChannelRules(db);
      const cmds = await listCommandRules(db);
      const lines = [
        ...chs.map((c) => `channel\t${c.platform} ${c.tenant} ${c.channel}\t${c.allowed ? 'allow' : 'deny'}\t(by ${c.updatedBy}, ${c.updatedAt.toISOString()})`),
        ...cmds.map((c) => `command\t${c.command}\t${c.platform} ${c.kind} ${c.principal}\t(by ${c.addedBy}, ${c.createdAt.toISOString()})`),
      ];
      return lines.length ? lines.join('\n') : 'no rules (every channel follows CHANNEL_POLICY; every command is open)';
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required');
  }
}

await runCli({ name: 'policy', usage: USAGE }, async (argv) => {
  const { values, positionals } = parse(argv);
  if (!['allow', 'deny', 'remove', 'command', 'list'].includes(positionals[0] ?? '')) throw new UsageError(positionals[0] ? `unknown command ${positionals[0]}` : 'a command is required');
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    console.log(await run(db, values, positionals));
  } finally {
    await db.close();
  }
});
