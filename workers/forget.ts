// `npm run forget -- --platform slack --team T --user U [--dry-run]`: erases one person's data.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PLATFORMS, UsageError, cliActor, cliOrigin, forgetUser, migrate, openDb, runCli, type ForgetCounts, type Platform } from '../src/index.js';
import { loadConfigOrExit } from './load-config-or-exit.js';

const USAGE = `usage: npm run forget -- --platform slack|teams|console|api|web --team <team or tenant id> --user <user id> [--dry-run]
  Removes the person's questions and the answers to them (texts; the rows keep timings and token
  counts for metrics), their stored prompts, votes and corrections, other people's corrections of
  those answers, and their /diagnose requests and results, from the message log and every export.
  Nobody else's data changes. Prints what it removed; --dry-run prints what it would remove and
  changes nothing. Audited (erasure.run) with a pseudonymous reference, not the id.
  Slack: --team T…, --user U…; Teams: --team <tenant id>, --user <AAD object id>.
  --verbose   stack traces on errors`;

const describe = (c: ForgetCounts) =>
  `${c.messages} question(s) with their answers, ${c.prompts} stored prompt(s), ${c.votes} vote(s) and correction(s) by the person, ` +
  `${c.corrections} correction(s) by others on those answers, ${c.diagnoses} diagnosis request(s), ${c.diagnosisMarks} diagnosis outcome/feedback mark(s), ${c.images} image(s), ${c.webChats} web chat(s)`;

await runCli({ name: 'forget', usage: USAGE }, async (argv) => {
  const { values: v } = parseArgs({ args: argv, options: { platform: { type: 'string' }, team: { type: 'string' }, user: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  if (!v.platform || !(PLATFORMS as readonly string[]).includes(v.platform)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
  if (!v.team) throw new UsageError('--team is required');
  if (!v.user) throw new UsageError('--user is required');
  const cfg = loadConfigOrExit();
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, dataDir: path.resolve(cfg.DATA_DIR) });
  try {
    await migrate(db);
    const dryRun = v['dry-run'] === true;
    const counts = await forgetUser(db, { platform: v.platform as Platform, tenant: v.team, userId: v.user }, { dryRun, actor: cliActor(), origin: cliOrigin(), reason: 'cli' });
    console.log(`${dryRun ? 'would remove (dry run, nothing changed)' : 'removed'}: ${describe(counts)}`);
  } finally {
    await db.close();
  }
});
