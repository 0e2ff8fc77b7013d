// `npm run feedback -- export …`: the votes and corrections on answers, with the exact prompts the
// model saw, as fine-tuning datasets (SFT, DPO, KTO, OpenAI DPO). Resolved diagnoses join them.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, cliActor, cliOrigin, recordAudit, DATASET_FORMATS, exportDataset, migrate, openDb, runCli, UsageError, type DatasetFormat } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run feedback -- export --format sft|dpo|kto|openai-dpo --out FILE.jsonl [options]
  --format sft          {"messages":[…]}: 👍 answers, corrections, resolved diagnoses
           dpo          {"prompt":[…],"chosen":[…],"rejected":[…]}: a 👎 answer against its correction
                        or a 👍 answer to the same prompt
           kto          {"prompt":[…],"completion":[…],"label":true|false}: single votes (majority per
                        answer), resolved diagnoses
           openai-dpo   OpenAI's {"input":{"messages":[…]},"preferred_output":[…],"non_preferred_output":[…]}
  --out FILE.jsonl      the file written (replaced)
  --since DATE          only answers asked on or after DATE (ISO 8601, e.g. 2026-11-01)
  --scope NAME          only answers from channels bound to knowledge scope NAME
  --with-reasoning      R1's reasoning as <think>…</think> before each model answer
  --redact              mask e-mail addresses, phone numbers and FEEDBACK_REDACT_PATTERNS
  --redact-pattern RE   one more pattern to mask (repeatable; implies --redact)
  --verbose             stack traces on errors

User ids are pseudonymised with FEEDBACK_PSEUDONYM_SECRET (required). Counts per kind are printed at the end.`;

await runCli({ name: 'feedback', usage: USAGE }, async (argv) => {
  const { values: v, positionals: pos } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      format: { type: 'string' }, out: { type: 'string' }, since: { type: 'string' }, scope: { type: 'string' },
      'with-reasoning': { type: 'boolean' }, redact: { type: 'boolean' }, 'redact-pattern': { type: 'string', multiple: true },
    },
  });
  if (pos[0] !== 'export') throw new UsageError(pos[0] ? `unknown command ${pos[0]}` : 'a command is required (export)');
  if (pos.length > 1) throw new UsageError(`unexpected argument ${pos[1]}`);
  if (!DATASET_FORMATS.includes(v.format as DatasetFormat)) throw new UsageError(v.format ? `unknown format ${v.format} (sft, dpo, kto, openai-dpo)` : '--format is required (sft, dpo, kto, openai-dpo)');
  if (!v.out) throw new UsageError('--out FILE.jsonl is required');
  const since = v.since === undefined ? undefined : new Date(v.since);
  if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since ${v.since} is not a date (use ISO 8601, e.g. 2026-11-01)`);
  const extra = v['redact-pattern'] ?? [];
  for (const p of extra) {
    try {
      new RegExp(p, 'gu');
    } catch (e) {
      throw new UsageError(`--redact-pattern ${JSON.stringify(p)} does not compile: ${(e as Error).message}`);
    }
  }
  const cfg = loadConfigOrExit();
  if (!cfg.FEEDBACK_PSEUDONYM_SECRET) {
    throw new ConfigError('FEEDBACK_PSEUDONYM_SECRET', 'FEEDBACK_PSEUDONYM_SECRET is not set: exports pseudonymise user ids with it (set a stable secret, e.g. `openssl rand -hex 32`, and keep it)');
  }
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    const { written, counts } = await exportDataset(db, {
      format: v.format as DatasetFormat, out: v.out, since, scope: v.scope, withReasoning: v['with-reasoning'] ?? false,
      redact: (v.redact ?? false) || extra.length > 0, redactPatterns: [...(cfg.FEEDBACK_REDACT_PATTERNS ?? []), ...extra], pseudonymSecret: cfg.FEEDBACK_PSEUDONYM_SECRET,
    });
    // A data export leaves the database: recorded in the audit trail (format, filters, counts; no content).
    await recordAudit(db, {
      actor: cliActor(), origin: cliOrigin(), action: 'feedback.export', target: `file:${path.basename(v.out)}`,
      details: { format: v.format, since: since?.toISOString() ?? null, scope: v.scope ?? null, written, counts },
    });
    for (const [k, n] of Object.entries(counts).sort()) console.log(`${k}\t${n}`);
    console.log(`${written} line(s) written to ${v.out}`);
    return 0;
  } finally {
    await db.close();
  }
});
