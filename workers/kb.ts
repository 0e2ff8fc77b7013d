// `npm run kb -- <command>`: channel ↔ scope bindings, web search per channel, admins, scopes.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  PLATFORMS, UsageError, addKbAdmin, cliActor, cliOrigin, recordAudit, runCli, attachScope, deleteScope, detachScope, listBindings, listKbAdmins, listScopes, migrate, openDb, removeKbAdmin,
  setWebSearch, webTenant, bindAdapter, unbindAdapter, listAdapterBindings, type ChannelRef, type Config, type Db, type Platform,
} from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run kb -- <command> [options]
  attach  --scope <name> --platform slack|teams|console --team <team or tenant id> --channel <channel id>
          --scope <name> --platform api --client <API client>   (an OIDC client id, or an API key's name)
          --scope <name> --platform web --group <group>         (the web chat's users in that group; '*' = all)
  detach  --scope <name> --platform … --team … --channel …
  list    [--platform …] [--team …] [--channel …]     bindings (all, or one channel's)
  web     on|off [--alpha <0..1>] --platform … --team … --channel …
  adapter --name <adapter> --platform … --team … --channel …   answer there with that LoRA adapter (a LORA_ADAPTERS name)
  adapter --detach --platform … --team … --channel …          back to the base model
  adapters [--platform …] [--team …] [--channel …]            adapter bindings, and the adapters configured here
  scopes                                             scopes with document and chunk counts
  delete-scope --scope <name>                        a scope with its documents and bindings
  admin   add|remove --platform … --user <user id>   who may use /kb in chat (besides ADMIN_USERS)
  admin   list
  --verbose                                          stack traces on errors

The terminal console (npm run chat) is one channel with fixed ids:
  npm run kb -- attach --scope <name> --platform console --team local --channel console
The HTTP API (/v1) is one channel per client: --platform api --client <client> (no --team/--channel).
The web chat (/chat) is one channel per user group (the OIDC groups/roles claim): --platform web --group <group>;
--group '*' is every signed-in user (and the WEB_LOCAL operator). The tenant is OIDC_ISSUER (or local).
Slack: --team is the workspace id (T…), --channel the channel id (C…). Teams: --team is the tenant id,
--channel the conversation id (19:…@thread.tacv2).`;

const parseCommandLine = (args: string[]) => parseArgs({
  args,
  allowPositionals: true,
  options: {
    scope: { type: 'string' }, platform: { type: 'string' }, team: { type: 'string' }, channel: { type: 'string' }, client: { type: 'string' },
    user: { type: 'string' }, alpha: { type: 'string' }, name: { type: 'string' }, detach: { type: 'boolean' }, group: { type: 'string' },
  },
});
let v: ReturnType<typeof parseCommandLine>['values'] = {};

const need = (name: keyof typeof v): string => {
  const x = v[name];
  if (typeof x !== 'string' || !x) throw new UsageError(`--${name} is required`);
  return x;
};
const platform = (): Platform => {
  const p = need('platform');
  if (!(PLATFORMS as readonly string[]).includes(p)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  return p as Platform;
};
const channel = (): ChannelRef => {
  const p = platform();
  // An API client is its own channel (adapters/api: tenant `api`, channel = the client).
  if (p === 'api') return { platform: p, tenant: 'api', channel: need('client') };
  // The web chat: one "channel" per user group (`*` = every signed-in user), under the issuer.
  if (p === 'web') return { platform: p, tenant: v.team ?? webTenant(loadConfigOrExit()), channel: need('group') };
  return { platform: p, tenant: need('team'), channel: need('channel') };
};
const actor = cliActor();
const show = (c: ChannelRef) => `${c.platform} ${c.tenant} ${c.channel}`;

async function run(db: Db, cfg: Config, cmd: string | undefined, args: string[]): Promise<string> {
  switch (cmd) {
    case 'adapter': {
      const c = channel();
      if (v.detach) {
        const removed = await unbindAdapter(db, c, actor);
        if (removed) await recordAudit(db, { actor, action: 'kb.adapter_detach', target: `${show(c)}`, details: { adapter: removed }, origin: cliOrigin() });
        return removed ? `detached adapter ${removed} from ${show(c)}: answers there use the base model` : `no adapter was bound to ${show(c)}`;
      }
      const name = need('name');
      if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) throw new UsageError('--name must be a lower-case adapter name (letters, digits, . _ -), as in LORA_ADAPTERS');
      const prev = await bindAdapter(db, c, name, actor);
      await recordAudit(db, { actor, action: 'kb.adapter', target: `${show(c)}`, details: { adapter: name, previous: prev ?? null }, origin: cliOrigin() });
      const known = cfg.LORA_ADAPTERS.some((a) => a.name === name);
      return `${show(c)} now answers with adapter ${name}${prev && prev !== name ? ` (was ${prev})` : ''}` +
        (known ? '' : `\nnote: ${name} is not in LORA_ADAPTERS here; a worker without it answers that channel with the base model (and logs a warning)`);
    }
    case 'adapters': {
      const rows = await listAdapterBindings(db, { platform: v.platform as Platform | undefined, tenant: v.client ? 'api' : v.team, channel: v.client ?? v.channel });
      const configured = cfg.LORA_ADAPTERS.map((a) => `${a.name}=${a.filePath}:${a.scale}`).join(', ') || 'none';
      const lines = rows.map((r) => `${show(r)}\t${r.adapter}\t(by ${r.createdBy}, ${r.createdAt.toISOString()})`);
      return `${lines.join('\n') || 'no adapter bindings'}\nLORA_ADAPTERS here: ${configured}`;
    }
    case 'attach': {
      const c = channel();
      return (await attachScope(db, c, need('scope'), actor)) ? `attached ${v.scope} to ${show(c)}` : `${v.scope} was already attached to ${show(c)}`;
    }
    case 'detach': {
      const c = channel();
      return (await detachScope(db, c, need('scope'), actor)) ? `detached ${v.scope} from ${show(c)}` : `${v.scope} was not attached to ${show(c)}`;
    }
    case 'list': {
      const rows = await listBindings(db, { platform: v.platform as Platform | undefined, tenant: v.client ? 'api' : v.team, channel: v.client ?? v.group ?? v.channel });
      return rows.length ? rows.map((r) => `${show(r)}\t${r.scope}\t(by ${r.createdBy}, ${r.createdAt.toISOString()})`).join('\n') : 'no bindings';
    }
    case 'web': {
      const mode = args[0];
      if (mode !== 'on' && mode !== 'off') throw new UsageError('web needs on or off');
      const c = channel();
      const alpha = v.alpha === undefined ? undefined : Number(v.alpha);
      if (alpha !== undefined && !(alpha >= 0 && alpha <= 1)) throw new UsageError('--alpha must be between 0 and 1');
      await setWebSearch(db, c, mode === 'on', actor, alpha);
      return `web search ${mode} for ${show(c)}${alpha === undefined ? '' : ` (local weight ${alpha})`}`;
    }
    case 'scopes': {
      const rows = await listScopes(db);
      return rows.length ? rows.map((s) => `${s.name}\t${s.documents} documents\t${s.chunks} chunks\tupdated ${s.updatedAt.toISOString()}`).join('\n') : 'no scopes';
    }
    case 'delete-scope': {
      if (!(await deleteScope(db, need('scope')))) return `no scope ${v.scope}`;
      await recordAudit(db, { actor, action: 'kb.delete_scope', target: `scope:${v.scope}`, origin: cliOrigin() });
      return `deleted scope ${v.scope}`;
    }
    case 'admin': {
      if (args[0] === 'list') return (await listKbAdmins(db)).map((a) => `${a.platform}:${a.userId}\t(added by ${a.addedBy})`).join('\n') || 'no admins in the database (ADMIN_USERS still applies)';
      if (args[0] === 'add') {
        await addKbAdmin(db, platform(), need('user'), actor);
        await recordAudit(db, { actor, action: 'kb.admin_add', target: `${v.platform}:${v.user}`, origin: cliOrigin() });
        return `added admin ${v.platform}:${v.user}`;
      }
      if (args[0] === 'remove') {
        if (!(await removeKbAdmin(db, platform(), need('user')))) return `${v.platform}:${v.user} was not an admin`;
        await recordAudit(db, { actor, action: 'kb.admin_remove', target: `${v.platform}:${v.user}`, origin: cliOrigin() });
        return `removed admin ${v.platform}:${v.user}`;
      }
      throw new UsageError('admin needs add, remove or list');
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required');
  }
}

await runCli({ name: 'kb', usage: USAGE }, async (argv) => {
  const parsed = parseCommandLine(argv);
  v = parsed.values;
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    console.log(await run(db, cfg, parsed.positionals[0], parsed.positionals.slice(1)));
  } finally {
    await db.close();
  }
});
