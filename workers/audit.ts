// `npm run audit -- <command>`: the audit trail of administrative actions (audit_log).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cliActor, cliOrigin, exportAudit, listAudit, migrate, openDb, recordAudit, runCli, UsageError, type AuditFilter, type Db } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run audit -- <command> [options]
  export --since <date> [--until <date>] [--action <a.b|area.>] --out <file.jsonl>
                        every matching row, oldest first, one JSON object a line
                        (id, at, actor, action, target, details, origin); --out - writes to stdout
  list   [--since <date>] [--action …] [--limit N]   the latest rows, newest first
Dates are ISO 8601 (2026-01-31 or 2026-01-31T08:00:00Z). The export itself is recorded in the trail.
  --verbose             stack traces on errors`;

const parseDate = (name: string, s: string | undefined): Date | undefined => {
  if (s === undefined) return undefined;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} is not a date: ${s}`);
  return d;
};

async function run(db: Db, cmd: string | undefined, v: Record<string, string | undefined>): Promise<number> {
  const filter: Omit<AuditFilter, 'afterId' | 'limit' | 'order'> = { since: parseDate('since', v.since), until: parseDate('until', v.until), action: v.action };
  switch (cmd) {
    case 'export': {
      if (!filter.since) throw new UsageError('export needs --since <date>');
      if (!v.out) throw new UsageError('export needs --out <file.jsonl> (or --out - for stdout)');
      const toStdout = v.out === '-';
      const out = toStdout ? process.stdout : createWriteStream(v.out, { flags: 'w', mode: 0o600 });
      const count = await exportAudit(db, filter, async (line) => {
        if (!out.write(line)) await once(out, 'drain');
      });
      if (!toStdout) {
        out.end();
        await once(out, 'finish');
      }
      await recordAudit(db, { actor: cliActor(), action: 'audit.export', target: toStdout ? 'stdout' : `file:${path.basename(v.out)}`, origin: cliOrigin(), details: { count, since: filter.since.toISOString(), until: filter.until?.toISOString(), action: filter.action } });
      process.stderr.write(`${count} audit row(s) exported${toStdout ? '' : ` to ${v.out}`}\n`);
      return 0;
    }
    case 'list': {
      const limit = v.limit === undefined ? 50 : Number(v.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      const rows = await listAudit(db, { ...filter, limit, order: 'desc' });
      console.log(rows.length ? rows.map((r) => [r.at.toISOString(), r.actor, r.action, r.target ?? '-', r.origin, JSON.stringify(r.details)].join('\t')).join('\n') : 'no audit rows');
      return 0;
    }
    default:
      throw new UsageError(cmd ? `unknown command ${cmd}` : 'a command is required (export or list)');
  }
}

await runCli({ name: 'audit', usage: USAGE }, async (argv) => {
  const { values: v, positionals: pos } = parseArgs({
    args: argv, allowPositionals: true,
    options: { since: { type: 'string' }, until: { type: 'string' }, action: { type: 'string' }, out: { type: 'string' }, limit: { type: 'string' } },
  });
  if (!['export', 'list'].includes(pos[0] ?? '')) throw new UsageError(pos[0] ? `unknown command ${pos[0]}` : 'a command is required (export or list)');
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    return await run(db, pos[0], v);
  } finally {
    await db.close();
  }
});
