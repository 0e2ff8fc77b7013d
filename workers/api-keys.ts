// `npm run api-keys -- <command>`: service-account keys for the OpenAI-compatible API (`/v1`).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError, cliActor, cliOrigin, recordAudit, createApiKey, listApiKeys, migrate, openDb, revokeApiKey, type Db } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run api-keys -- <command> [options]
  create --name <name>     a new key, printed once (only its hash is stored); the name is the API client
  list                     name, created, last used, revoked
  revoke <name>            refuse the key from the next request on (or --name <name>)
Keys are accepted when API_KEYS=true; send them as Authorization: Bearer r1_…`;

class UsageError extends Error {}

const { values: v, positionals: pos } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`api-keys: ${(e as Error).message}\n`);
    process.exit(2);
  }
})();

const when = (d: Date | null) => (d ? d.toISOString() : '-');

async function run(db: Db, cmd: string | undefined, args: string[]): Promise<string> {
  switch (cmd) {
    case 'create': {
      if (!v.name) throw new UsageError('create needs --name <name>');
      const { key } = await createApiKey(db, v.name, cliActor());
      await recordAudit(db, { actor: cliActor(), action: 'api_key.create', target: `api_key:${v.name}`, origin: cliOrigin() });
      process.stderr.write(`created API key ${v.name}; it is shown only this once:\n`);
      return key;
    }
    case 'list': {
      const rows = await listApiKeys(db);
      if (!rows.length) return 'no API keys';
      return ['name\tcreated\tlast used\trevoked', ...rows.map((r) => `${r.name}\t${when(r.createdAt)}\t${when(r.lastUsedAt)}\t${when(r.revokedAt)}`)].join('\n');
    }
    case 'revoke': {
      const name = args[0] ?? v.name;
      if (!name) throw new UsageError('revoke needs a key name');
      if (!(await revokeApiKey(db, name))) throw new InputError(`no active API key named ${name}`);
      await recordAudit(db, { actor: cliActor(), action: 'api_key.revoke', target: `api_key:${name}`, origin: cliOrigin() });
      return `revoked API key ${name}`;
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd} (create, list or revoke; --help for usage)` : 'a command is required (create, list or revoke; --help for usage)');
  }
}

if (v.help) {
  console.log(USAGE);
  process.exit(0);
}
const cfg = loadConfigOrExit();
const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
try {
  await migrate(db);
  console.log(await run(db, pos[0], pos.slice(1)));
} catch (e) {
  process.stderr.write(`api-keys: ${(e as Error).message}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
} finally {
  await db.close();
}
